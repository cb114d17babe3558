package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// pollReports queues every recent campaign for a report snapshot (taken
// by the poller, see poll_queue.go), at most once per PollEvery per
// campaign, then polls the task-group reports (poll_groups.go) and the
// per-app daily figures (poll_accounts.go) of recently used accounts. A
// failed poll is stored as an error snapshot: the figures go stale, they
// are never zeroed.
func (e *Engine) pollReports(ctx context.Context) {
	now := e.store.Now()
	cs, err := e.store.CampaignsToPoll(ctx, now.Add(-e.cfg.PollWindow))
	if err != nil {
		e.log.Error("campaigns to poll", slog.Any("error", err))
		return
	}
	for _, c := range cs {
		if ctx.Err() != nil {
			return
		}
		e.mu.Lock()
		last := e.lastPoll[c.ID]
		due := now.Sub(last) >= e.cfg.PollEvery
		if due {
			e.lastPoll[c.ID] = now
		}
		e.mu.Unlock()
		if due {
			e.queuePoll(ctx, c)
		}
	}
	e.pollGroupReports(ctx, now)
	e.pollAccountStats(ctx, now)
}

// PollCampaign fetches and stores one campaign's provider figures now.
// Each report call waits for the account's request limiter, as sends do,
// so polling a campaign of many tasks cannot push the account past its
// rate.
func (e *Engine) PollCampaign(ctx context.Context, c models.Campaign) {
	log := e.log.With(slog.Int64("campaign", c.ID))
	acct, err := e.store.ProviderAccountByID(ctx, c.ProviderID)
	if err != nil {
		log.Error("poll: provider account", slog.Any("error", err))
		return
	}
	cl, err := e.clients.entry(ctx, acct)
	if err != nil {
		log.Error("poll: provider client", slog.Any("error", err))
		return
	}
	rep, ok := cl.p.(providers.Reporter)
	if !ok {
		return
	}
	ids, err := e.store.CampaignTaskIDs(ctx, c.ID)
	if err != nil || len(ids) == 0 {
		return
	}
	sum := map[string]*providers.ChannelStats{}
	for _, id := range ids {
		if err := cl.limit.Wait(ctx); err != nil {
			return // shutting down
		}
		r, err := rep.Report(ctx, id)
		if ctx.Err() != nil {
			return // shutting down: not the provider's failure
		}
		if err != nil {
			pe := providers.AsError(err)
			log.Warn("poll report", slog.String("task", id), slog.String("code", pe.Code))
			if err := e.store.SaveSnapshot(ctx, c.ID, nil, pe.Code+": "+pe.Msg); err != nil {
				log.Error("save snapshot", slog.Any("error", err))
			}
			return
		}
		// Channel lines only: the provider's own total would count every
		// recipient twice in the funnel and the chart, which sum the lines.
		for _, ch := range r.Channels {
			s, ok := sum[ch.Channel]
			if !ok {
				s = &providers.ChannelStats{Channel: ch.Channel}
				sum[ch.Channel] = s
			}
			s.Add(ch)
		}
	}
	out := make([]providers.ChannelStats, 0, len(sum))
	for _, s := range sum {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Channel < out[j].Channel })
	b, err := json.Marshal(out)
	if err != nil {
		log.Error("encode snapshot", slog.Any("error", err))
		return
	}
	if err := e.store.SaveSnapshot(ctx, c.ID, b, ""); err != nil {
		log.Error("save snapshot", slog.Any("error", err))
	}
}

// Figures are a campaign's latest provider figures.
type Figures struct {
	Channels []providers.ChannelStats
	Total    providers.ChannelStats
	Stale    bool
	Polled   bool
}

// CampaignFigures returns the newest stored provider figures of a campaign.
func (e *Engine) CampaignFigures(ctx context.Context, id int64) (Figures, error) {
	snap, stale, err := e.store.LatestSnapshot(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return Figures{Stale: stale}, nil
		}
		return Figures{}, err
	}
	var f Figures
	if err := json.Unmarshal(snap.Channels, &f.Channels); err != nil {
		return Figures{}, fmt.Errorf("dispatch: decode snapshot of campaign %d: %w", id, err)
	}
	f.Stale, f.Polled = stale, true
	f.Total = providers.SumChannels(f.Channels)
	return f, nil
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, models.ErrNotFound) }
