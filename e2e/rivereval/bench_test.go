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
	sealer, err := models.NewSealer("eval")
	if err != nil {
		b.Fatal(err)
	}
	return models.NewStore(db, sealer).WithReader(rdb), db
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
			id := plan(b, store, n)
			cpu0, start := cpuTime(), time.Now()
			if err := drainOwn(context.Background(), store, n); err != nil {
				b.Fatal(err)
			}
			report(b, n, time.Since(start), cpuTime()-cpu0)
			checkDone(b, store, id, n)
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
				cfg := riverConfig(&sqlTxWorker[*riversqliteDriver]{db: db}, set, quietLog())
				t, err := runRiver(ctx, drv, cfg, groups(batchIDs(b, store, id), set.group))
				if err != nil {
					b.Fatal(err)
				}
				report(b, n, t.drain, t.drainCPU)
				b.ReportMetric(float64(n)/t.insert.Seconds(), "inserted_jobs/s")
				checkDone(b, store, id, n)
			}
		})
	}
}

type riversqliteDriver = riversqlite.Driver
