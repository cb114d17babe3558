package rivereval

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"gorm.io/gorm"

	"github.com/pushdeck/pushdeck/models"
)

// sqlTxWorker records a batch as the engine's recorder does — pushdeck's
// own CompleteBatches, delivery rows, counters, the batch's state and the
// campaign's end — inside a database/sql transaction that also completes
// the River job (JobCompleteTx), so the outcome and the job's completion
// commit or roll back together: exactly once.
type sqlTxWorker[D riverdriver.Driver[*sql.Tx]] struct {
	river.WorkerDefaults[batchArgs]
	db *gorm.DB // pushdeck's handle; its pool is River's too
	// byCompleter: see riverSettings.
	byCompleter bool
}

func (w *sqlTxWorker[D]) Work(ctx context.Context, job *river.Job[batchArgs]) error {
	sqlDB, err := w.db.DB()
	if err != nil {
		return fmt.Errorf("rivereval: pool: %w", err)
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rivereval: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // after Commit, a no-op
	store := storeOnTx(w.db, tx)
	done := make([]models.Completion, len(job.Args.BatchIDs))
	for i, id := range job.Args.BatchIDs {
		if done[i].Batch, err = readBatch(ctx, store, id); err != nil {
			return err
		}
	}
	if _, lost, err := store.CompleteBatches(ctx, done); err != nil {
		return err
	} else if len(lost) > 0 && !w.byCompleter {
		// With JobCompleteTx a job's batches are recorded with it or not
		// at all; a batch recorded already is a bug.
		return fmt.Errorf("rivereval: batch %d already recorded", lost[0].ID)
	}
	if !w.byCompleter {
		if _, err := river.JobCompleteTx[D](ctx, tx, job); err != nil {
			return fmt.Errorf("rivereval: complete job %d: %w", job.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rivereval: commit: %w", err)
	}
	return nil
}

// storeOnTx is a pushdeck Store whose statements run on tx (its own
// transactions become savepoints inside it), bound as gorm's Begin binds
// one. A Session shares db's Statement until a chain method copies it:
// Scopes() with no scope is that copy, so setting its ConnPool leaves db
// alone.
func storeOnTx(db *gorm.DB, tx *sql.Tx) *models.Store {
	g := db.Session(&gorm.Session{NewDB: true}).Scopes()
	g.Statement.ConnPool = tx
	return models.NewStore(g.Session(&gorm.Session{NewDB: true}), nil)
}

// readBatch loads a batch and its recipients as a claim does (the row and
// batch_recipients), unleased: River's fetch is the lease.
func readBatch(ctx context.Context, store *models.Store, id int64) (models.Batch, error) {
	var row struct {
		models.Batch
		List string `gorm:"column:recipients"`
	}
	err := store.DB().WithContext(ctx).Raw(`SELECT b.*, r.recipients FROM batches b JOIN batch_recipients r ON r.batch_id = b.id WHERE b.id = ?`, id).Scan(&row).Error
	if err != nil {
		return models.Batch{}, fmt.Errorf("rivereval: batch %d: %w", id, err)
	}
	b := row.Batch
	if b.ID != id {
		return b, fmt.Errorf("rivereval: batch %d not found", id)
	}
	if err := jsonList(row.List, &b.Recipients); err != nil {
		return b, fmt.Errorf("rivereval: recipients of batch %d: %w", id, err)
	}
	return b, nil
}

// newSQLiteRiver is River's SQLite driver on pushdeck's write pool (one
// connection, as the driver recommends and pushdeck uses).
func newSQLiteRiver(db *gorm.DB) (*riversqlite.Driver, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("rivereval: pool: %w", err)
	}
	return riversqlite.New(sqlDB), nil
}
