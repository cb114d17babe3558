package models

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"
)

// How often a running import writes its row: its progress at most every
// importFlushEvery (ImportCSV reports every chunk of 10,000 rows, several
// times a second), and the row at least every importTouchEvery while a
// chunk takes longer, so that ImportJobStale, well above both, tells a dead
// instance from a slow import.
const (
	importFlushEvery = 500 * time.Millisecond
	importTouchEvery = 2 * time.Second
)

// RunImportJob runs ImportCSV for the job created by CreateImportJob,
// writing its progress to the row as it goes and its outcome at the end
// (FinishImportJob; a context that ends marks it interrupted). It returns
// what ImportCSV returns. log hears of progress writes that fail (the
// import goes on; the next write catches up).
//
// ImportCSV reports progress from inside its write transaction, so the
// callback only keeps the latest figures; a separate goroutine writes them.
// On SQLite its write waits for that transaction's commit (one writer),
// so it lands between the import's transactions; on PostgreSQL it goes at
// once.
func (s *Store) RunImportJob(ctx context.Context, job ImportJob, r io.Reader, log *slog.Logger) (ImportResult, error) {
	t := &importTracker{committed: make(chan struct{}, 1)}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { s.flushImportJob(ctx, job.ID, t, stop, log) })
	res, err := s.ImportCSV(ctx, job.ProviderID, r, ImportOptions{Progress: t.set})
	close(stop)
	wg.Wait()
	p, _ := t.get()
	p.Result, p.Committed = res, res.UpsertResult // what ImportCSV returns is committed
	if err == nil {
		p.Bytes = max(p.Bytes, job.Size)
	}
	// The outcome is written even when ctx ended (the server is stopping):
	// the row must not stay running.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, ferr := s.FinishImportJob(fctx, job.ID, p, err); ferr != nil {
		return res, errors.Join(err, ferr)
	}
	return res, err
}

// importTracker holds the latest progress ImportCSV reported. committed
// hears when a transaction was committed, so the row is written at once:
// a job whose instance dies reads with the committed counts of its last
// write, and waiting for the next tick would leave them a transaction
// behind more often.
type importTracker struct {
	mu        sync.Mutex
	p         ImportProgress
	seq       int64
	committed chan struct{}
}

func (t *importTracker) set(p ImportProgress) {
	t.mu.Lock()
	moved := p.Committed != t.p.Committed
	t.p, t.seq = p, t.seq+1
	t.mu.Unlock()
	if moved {
		select {
		case t.committed <- struct{}{}:
		default: // a write is already due
		}
	}
}

func (t *importTracker) get() (ImportProgress, int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.p, t.seq
}

// flushImportJob writes the tracker's progress to the row every
// importFlushEvery when it moved, every importTouchEvery regardless, and
// as soon as a transaction commits, until stop closes or ctx ends.
func (s *Store) flushImportJob(ctx context.Context, id int64, t *importTracker, stop <-chan struct{}, log *slog.Logger) {
	tick := time.NewTicker(importFlushEvery)
	defer tick.Stop()
	var wrote int64
	last := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-t.committed:
		}
		p, seq := t.get()
		if seq == wrote && time.Since(last) < importTouchEvery {
			continue
		}
		if err := s.UpdateImportProgress(ctx, id, p); err != nil {
			if ctx.Err() == nil && log != nil {
				log.Warn("import progress", slog.Int64("job", id), slog.Any("error", err))
			}
			continue
		}
		wrote, last = seq, time.Now()
	}
}
