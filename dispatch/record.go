package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/pushdeck/pushdeck/models"
)

// finish queues a batch's outcome for the recorder.
func (s *sender) finish(ctx context.Context, log *slog.Logger, b models.Batch, res models.BatchResult) {
	select {
	case s.done <- models.Completion{Batch: b, Result: res}:
	case <-ctx.Done():
		// Shutting down before the outcome was queued: the batch stays
		// leased and is sent again (same request id) after a restart.
	}
}

// recordLanes is how many goroutines record outcomes side by side where
// the database runs writers in parallel (PostgreSQL): one transaction
// there mostly waits — for the server to insert its delivery rows, then
// for the commit's WAL flush — while another could be writing. Measured
// sending 1,000,000 recipients on PostgreSQL (2 cores, load 2–3, runs
// alternating): one lane 191,000–263,000 recipients/s (3 runs), two
// 208,000, four 224,000–294,000 (3 runs), eight 280,000; the send is
// CPU-bound by then, so more lanes mostly add noise.
const recordLanes = 4

// recorder commits batch outcomes in groups (one transaction for up to
// recordGroup batches) and reacts to what they did to their campaigns:
// one lane on SQLite, whose single writer gains nothing from more,
// recordLanes where writers run in parallel. After ctx ends it records
// what is already queued, then returns.
func (s *sender) recorder(ctx context.Context) {
	lanes := 1
	if s.store.ParallelWrites() {
		lanes = recordLanes
	}
	var wg sync.WaitGroup
	for range lanes {
		wg.Go(func() { s.recordLane(ctx) })
	}
	wg.Wait()
}

// recordLane takes outcomes off the queue and records them a group at a
// time until ctx ends, then records what is still queued.
func (s *sender) recordLane(ctx context.Context) {
	const recordGroup = 16
	wctx := context.WithoutCancel(ctx)
	for {
		var group []models.Completion
		select {
		case c := <-s.done:
			group = append(group, c)
		case <-ctx.Done():
			for {
				select {
				case c := <-s.done:
					s.record(wctx, []models.Completion{c})
				default:
					return
				}
			}
		}
	fill:
		for len(group) < recordGroup {
			select {
			case c := <-s.done:
				group = append(group, c)
			default:
				break fill
			}
		}
		s.record(wctx, group)
	}
}

func (s *sender) record(ctx context.Context, group []models.Completion) {
	cs, lost, err := s.store.CompleteBatches(ctx, group)
	if err != nil {
		s.log.Error("record batch outcomes", slog.Int("batches", len(group)), slog.Any("error", err))
		return // the batches stay leased and are sent again after the lease
	}
	for _, b := range lost {
		s.log.Warn("batch lease lost; another worker owns it", slog.Int64("campaign", b.CampaignID), slog.Int("batch", b.Seq))
	}
	for _, g := range group {
		s.metrics.batchDone(g.Batch, g.Result, s.store.Now())
	}
	for _, c := range cs {
		switch c.Status {
		case models.StatusCompleted:
			s.log.Info("campaign completed", slog.Int64("campaign", c.ID), slog.Int64("accepted", c.Accepted), slog.Int64("invalid", c.Invalid), slog.Int64("failed", c.Failed))
			s.forget(c.ID)
			// A first report soon, so figures appear without waiting for
			// the next poll round; the poller takes it, never the recorder.
			s.reported(c)
		case models.StatusFailed:
			s.log.Warn("campaign failed", slog.Int64("campaign", c.ID), slog.String("reason", c.StatusReason))
			s.forget(c.ID)
		case models.StatusSending:
			s.checkThreshold(ctx, c)
		}
	}
}

// forget drops a finished campaign's cached state.
func (s *sender) forget(id int64) {
	s.mu.Lock()
	delete(s.speeds, id)
	delete(s.infos, id)
	s.mu.Unlock()
}

// Error threshold: once this many recipients are done, a campaign whose
// failed share exceeds its threshold pauses itself and says why. Failures
// count only when a batch ends, after its last retry: a provider that is
// down for the whole retry horizon shows as retrying batches until then,
// and a campaign whose every batch ends at once ends failed instead (no
// recipient delivered) rather than paused with nothing left to send.
const thresholdMinDone = 200

func (s *sender) checkThreshold(ctx context.Context, c models.Campaign) {
	info, err := s.sendInfo(ctx, c.ID)
	if err != nil || info.threshold <= 0 {
		return
	}
	done := c.Accepted + c.Invalid + c.Failed
	if done < thresholdMinDone || float64(c.Failed) <= info.threshold*float64(done) {
		return
	}
	pct := int(info.threshold*100 + 0.5)
	r := models.Reason{Code: models.ReasonErrorThreshold,
		Text: fmt.Sprintf("error threshold: %d of %d recipients failed (over %d%%)", c.Failed, done, pct),
		Data: map[string]any{"Failed": c.Failed, "Done": done, "Threshold": pct}}
	if _, err := s.store.TransitionBecause(ctx, c.ID, models.StatusPaused, "engine", r); err != nil && !errors.Is(err, models.ErrConflict) {
		s.log.Error("auto-pause", slog.Int64("campaign", c.ID), slog.Any("error", err))
		return
	}
	s.log.Warn("campaign paused by error threshold", slog.Int64("campaign", c.ID), slog.String("reason", r.Text))
}
