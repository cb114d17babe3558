package dispatch

import (
	"context"
	"log/slog"
	"time"
)

// pruneChunk is how many delivery rows one prune transaction deletes: small
// enough that the engine's own writes never wait long behind it.
const pruneChunk = 2000

// pruneDeliveries deletes delivery rows of campaigns that finished more
// than Retention ago, a chunk at a time with pauses, so pruning never
// blocks sending. Counters, failures by reason and report snapshots stay.
func (e *Engine) pruneDeliveries(ctx context.Context) {
	e.pruneUploads(ctx)
	cutoff := e.store.Now().Add(-e.cfg.Retention)
	var total int64
	for ctx.Err() == nil {
		n, err := e.store.PruneDeliveries(ctx, cutoff, pruneChunk)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Error("prune deliveries", slog.Any("error", err))
			}
			return
		}
		total += n
		if n < pruneChunk {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	if total > 0 {
		e.log.Info("pruned delivery rows", slog.Int64("rows", total), slog.Time("finished_before", cutoff))
	}
}

// uploadHorizon is how old an audience upload must be to be a leftover: an
// upload lives for one API request.
const uploadHorizon = time.Hour

// pruneUploads deletes audience uploads whose request died with the
// process before it could discard them (runs with the delivery pruning).
func (e *Engine) pruneUploads(ctx context.Context) {
	n, err := e.store.PruneUploads(ctx, e.store.Now().Add(-uploadHorizon))
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("prune audience uploads", slog.Any("error", err))
		}
		return
	}
	if n > 0 {
		e.log.Info("pruned audience uploads", slog.Int("uploads", n))
	}
}
