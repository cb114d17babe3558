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
