package rivereval

import (
	"context"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/pushdeck/pushdeck/models/dbtest"
)

// BenchmarkPostgres drains one frozen plan per sub-benchmark on the
// PostgreSQL server PUSHDECK_TEST_DB names (skipped, saying so, without
// it), each in a fresh database: the engine's own claims, River's pgx v5
// driver with the outcome written by pgx, and River's database/sql driver
// on pushdeck's own pool with the outcome written by pushdeck's store.
func BenchmarkPostgres(b *testing.B) {
	dbtest.Postgres(b)
	n := planBatches()
	b.Run("own", func(b *testing.B) {
		for range b.N {
			db := dbtest.New(b)
			benchOwn(b, newStore(b, db.Write, db.Read), n)
		}
	})
	for _, set := range variants(false) {
		b.Run("pgx_"+set.name(), func(b *testing.B) {
			for range b.N {
				ctx := context.Background()
				db := dbtest.New(b)
				store := newStore(b, db.Write, db.Read)
				id := plan(b, store, n)
				pool, drv, err := newPgxRiver(ctx, db.DSN, set.workers)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(pool.Close)
				if err := migrateRiver(ctx, drv); err != nil {
					b.Fatal(err)
				}
				drainRiver(b, store, id, n, drv, riverConfig(&pgxWorker{pool: pool, byCompleter: set.byCompleter}, set, quietLog()), set)
			}
		})
	}
	set := riverSettings{workers: 4, group: 1, pollOnly: true} // the database/sql driver has no listener
	b.Run("sql_"+set.name(), func(b *testing.B) {
		for range b.N {
			ctx := context.Background()
			db := dbtest.New(b)
			store := newStore(b, db.Write, db.Read)
			id := plan(b, store, n)
			sqlDB, err := db.Write.DB()
			if err != nil {
				b.Fatal(err)
			}
			drv := riverdatabasesql.New(sqlDB)
			if err := migrateRiver(ctx, drv); err != nil {
				b.Fatal(err)
			}
			drainRiver(b, store, id, n, drv, riverConfig(&sqlTxWorker[*riverdatabasesql.Driver]{db: db.Write}, set, quietLog()), set)
		}
	})
}
