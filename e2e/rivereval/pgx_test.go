package rivereval

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// pgxWorker is River's best case on PostgreSQL: its pgx v5 driver, and the
// outcome written with pgx on the job's own transaction. pushdeck's store
// runs on database/sql and cannot take a pgx.Tx, so the worker runs the
// statements CompleteBatches runs for an all-accepted batch, in the same
// order on the same tables: the batch's state, its delivery rows, the
// campaign's counters, and the campaign's end when no batch is left.
type pgxWorker struct {
	river.WorkerDefaults[batchArgs]
	pool *pgxpool.Pool
	// byCompleter: see riverSettings.
	byCompleter bool
}

func (w *pgxWorker) Work(ctx context.Context, job *river.Job[batchArgs]) error {
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("rivereval: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit, a no-op
	now := time.Now().UTC()
	accepted := map[int64]int64{} // per campaign
	for _, id := range job.Args.BatchIDs {
		var campaignID, seq int64
		var list string
		err := tx.QueryRow(ctx, `SELECT b.campaign_id, b.seq, r.recipients FROM batches b JOIN batch_recipients r ON r.batch_id = b.id WHERE b.id = $1`, id).
			Scan(&campaignID, &seq, &list)
		if err != nil {
			return fmt.Errorf("rivereval: batch %d: %w", id, err)
		}
		var rs []string
		if err := jsonList(list, &rs); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE batches SET status = 'done', task_id = '', last_code = '', last_error = '', lease_owner = '', lease_expires_at = NULL, updated_at = $1
			WHERE id = $2 AND status = 'pending' AND lease_owner = ''`, now, id)
		if err != nil {
			return fmt.Errorf("rivereval: complete batch %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			if w.byCompleter {
				continue // a rerun after a crash: recorded already
			}
			return fmt.Errorf("rivereval: batch %d already recorded", id)
		}
		_, err = tx.Exec(ctx, `INSERT INTO deliveries (campaign_id, recipient, batch_seq, status, code, message)
			SELECT $1, unnest($2::text[]), $3, 'accepted', '', ''`, campaignID, rs, seq)
		if err != nil {
			return fmt.Errorf("rivereval: outcomes of batch %d: %w", id, err)
		}
		accepted[campaignID] += int64(len(rs))
	}
	for id, n := range accepted {
		if err := countAndFinish(ctx, tx, id, n, now); err != nil {
			return err
		}
	}
	if !w.byCompleter {
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("rivereval: complete job %d: %w", job.ID, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("rivereval: commit: %w", err)
	}
	return nil
}

// countAndFinish moves n recipients of a campaign from pending to accepted
// and completes it when none of its batches is pending any more, as the
// store's finishIfDone does for a campaign that delivered.
func countAndFinish(ctx context.Context, tx pgx.Tx, id, n int64, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE campaigns SET pending = pending - $1, accepted = accepted + $1, updated_at = $2 WHERE id = $3`, n, now, id)
	if err != nil {
		return fmt.Errorf("rivereval: campaign %d counters: %w", id, err)
	}
	var status string
	var planned bool
	if err := tx.QueryRow(ctx, `SELECT status, planned FROM campaigns WHERE id = $1`, id).Scan(&status, &planned); err != nil {
		return fmt.Errorf("rivereval: campaign %d: %w", id, err)
	}
	if status != "sending" || !planned {
		return nil
	}
	var left int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM batches WHERE campaign_id = $1 AND status = 'pending'`, id).Scan(&left); err != nil {
		return fmt.Errorf("rivereval: pending batches of campaign %d: %w", id, err)
	}
	if left > 0 {
		return nil
	}
	tag, err := tx.Exec(ctx, `UPDATE campaigns SET status = 'completed', status_reason = '', updated_at = $1, finished_at = $1 WHERE id = $2 AND status = 'sending'`, now, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = errors.New("moved on meanwhile")
	}
	if err != nil {
		return fmt.Errorf("rivereval: complete campaign %d: %w", id, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO campaign_events (campaign_id, from_status, to_status, actor, reason, created_at) VALUES ($1, 'sending', 'completed', 'engine', '', $2)`, id, now)
	if err != nil {
		return fmt.Errorf("rivereval: campaign %d event: %w", id, err)
	}
	return nil
}

// newPgxRiver is River's pgx v5 driver on a pool of its own, sized for the
// workers plus River's own fetches and maintenance.
func newPgxRiver(ctx context.Context, dsn string, workers int) (*pgxpool.Pool, *riverpgxv5.Driver, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("rivereval: pgx pool: %w", err)
	}
	cfg.MaxConns = int32(workers + 8)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("rivereval: pgx pool: %w", err)
	}
	return pool, riverpgxv5.New(pool), nil
}
