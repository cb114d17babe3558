package dispatch

import (
	"context"
	"log/slog"
	"sync"

	"github.com/pushdeck/pushdeck/models"
)

// reportQueue is how many campaigns may wait for their report poll. A
// hand-off that finds it full is dropped: the campaign has no poll time
// yet, so the next poll round finds it due.
const reportQueue = 256

// handOff queues a campaign that just completed for its first report,
// without waiting: the recorder, the engine's only group-commit path,
// calls it, and a provider whose reports take seconds must not hold the
// outcomes of every other campaign behind it.
func (p *poller) handOff(c models.Campaign) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case p.reportq <- c:
		p.lastPoll[c.ID] = p.store.Now()
	default:
		p.log.Warn("report queue full; the next poll round takes the campaign", slog.Int64("campaign", c.ID))
	}
}

// queuePoll queues a due campaign from a poll round, waiting for room.
func (p *poller) queuePoll(ctx context.Context, c models.Campaign) {
	select {
	case p.reportq <- c:
	case <-ctx.Done():
	}
}

// poller polls the queued campaigns' reports, one account lane at a time
// per account: the calls of one account are paced by its own limiter and
// a slow or rate-limited account delays only its own campaigns' figures.
// A campaign already queued or being polled is not queued twice. It
// returns when ctx ends and every lane has stopped.
func (p *poller) run(ctx context.Context) {
	var lanes sync.WaitGroup
	defer lanes.Wait()
	finished := make(chan models.Campaign)
	waiting := map[int64][]models.Campaign{} // per account; present while its lane runs
	queued := map[int64]bool{}               // campaign ids waiting or in flight
	run := func(c models.Campaign) {
		lanes.Go(func() {
			p.pollCampaign(ctx, c)
			select {
			case finished <- c:
			case <-ctx.Done():
			}
		})
	}
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-p.reportq:
			if queued[c.ID] {
				continue
			}
			queued[c.ID] = true
			if q, busy := waiting[c.ProviderID]; busy {
				waiting[c.ProviderID] = append(q, c)
				continue
			}
			waiting[c.ProviderID] = nil
			run(c)
		case c := <-finished:
			delete(queued, c.ID)
			q := waiting[c.ProviderID]
			if len(q) == 0 {
				delete(waiting, c.ProviderID)
				continue
			}
			waiting[c.ProviderID] = q[1:]
			run(q[0])
		}
	}
}
