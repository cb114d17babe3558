package rivereval

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"gorm.io/gorm"

	"github.com/pushdeck/pushdeck/models"
)

// openSQLite is a fresh migrated pushdeck database as main.go opens it:
// the single-connection write pool and the read pool.
func openSQLite(b *testing.B) (*models.Store, *gorm.DB) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "eval.db")
	db, err := models.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	rdb, err := models.OpenReader(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = models.Close(rdb); _ = models.Close(db) })
	if err := models.Migrate(ctx, db, quietLog()); err != nil {
		b.Fatal(err)
	}
	return newStore(b, db, rdb), db
}

// newStore is pushdeck's store on a write and a read pool.
func newStore(b *testing.B, db, rdb *gorm.DB) *models.Store {
	b.Helper()
	sealer, err := models.NewSealer("eval")
	if err != nil {
		b.Fatal(err)
	}
	return models.NewStore(db, sealer).WithReader(rdb)
}

// batchIDs lists a campaign's batch ids in plan order.
func batchIDs(b *testing.B, store *models.Store, campaignID int64) []int64 {
	b.Helper()
	var ids []int64
	if err := store.DB().Raw(`SELECT id FROM batches WHERE campaign_id = ? ORDER BY seq`, campaignID).Scan(&ids).Error; err != nil {
		b.Fatal(err)
	}
	return ids
}

// BenchmarkSQLite drains one frozen plan per sub-benchmark on SQLite.
func BenchmarkSQLite(b *testing.B) {
	n := planBatches()
	b.Run("own", func(b *testing.B) {
		for range b.N {
			store, _ := openSQLite(b)
			benchOwn(b, store, n)
		}
	})
	for _, set := range variants(true) {
		b.Run(set.name(), func(b *testing.B) {
			for range b.N {
				ctx := context.Background()
				store, db := openSQLite(b)
				id := plan(b, store, n)
				drv, err := newSQLiteRiver(db)
				if err != nil {
					b.Fatal(err)
				}
				if err := migrateRiver(ctx, drv); err != nil {
					b.Fatal(err)
				}
				drainRiver(b, store, id, n, drv, riverConfig(&sqlTxWorker[*riversqlite.Driver]{db: db, byCompleter: set.byCompleter}, set, quietLog()), set)
			}
		})
	}
}

// benchOwn freezes n batches and drains them through the engine's claims,
// reporting the drain's figures.
func benchOwn(b *testing.B, store *models.Store, n int) {
	b.Helper()
	id := plan(b, store, n)
	cpu0, start := cpuTime(), time.Now()
	if err := drainOwn(context.Background(), store, n); err != nil {
		b.Fatal(err)
	}
	report(b, n, time.Since(start), cpuTime()-cpu0)
	checkDone(b, store, id, n)
}
