package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// pollAccountStats stores the per-app daily figures (WeCom's successful
// person-times for today and yesterday) of every account with a campaign
// sent in the poll window whose client has them, at most once per
// PollEvery per account, "due" being read from the newest stored poll as
// for groups. These figures are the app's, all messages together: they are
// kept apart from campaign snapshots and never enter a campaign's funnel.
func (p *poller) pollAccountStats(ctx context.Context, now time.Time) {
	ids, err := p.store.AccountsToPoll(ctx, now.Add(-p.cfg.PollWindow))
	if err != nil {
		p.log.Error("accounts to poll", slog.Any("error", err))
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		pr, ok := p.pollClient(ctx, id)
		if !ok {
			continue
		}
		r, ok := pr.(providers.AppStatsReporter)
		if !ok {
			continue
		}
		last, polled, err := p.store.LastAccountPoll(ctx, id)
		if err != nil {
			p.log.Error("last account poll", slog.Int64("account", id), slog.Any("error", err))
			continue
		}
		if polled && now.Sub(last) < p.cfg.PollEvery {
			continue
		}
		p.pollAccount(ctx, r, id)
	}
}

// PollAccountStats fetches and stores an account's per-app figures for
// today and yesterday now; it does nothing when the account's client has
// none.
func (e *Engine) PollAccountStats(ctx context.Context, providerID int64) {
	e.poll.pollAccountNow(ctx, providerID)
}

func (p *poller) pollAccountNow(ctx context.Context, providerID int64) {
	pr, ok := p.pollClient(ctx, providerID)
	if !ok {
		return
	}
	if r, ok := pr.(providers.AppStatsReporter); ok {
		p.pollAccount(ctx, r, providerID)
	}
}

// pollAccount stores one row per day asked; a failed day is an error row,
// which leaves that day's previous figure current but stale.
func (p *poller) pollAccount(ctx context.Context, r providers.AppStatsReporter, providerID int64) {
	log := p.log.With(slog.Int64("account", providerID))
	for day := range 2 {
		row := models.AccountStat{ProviderID: providerID, Day: day}
		st, err := r.Statistics(ctx, day)
		if ctx.Err() != nil {
			return // shutting down: not the provider's failure
		}
		if err != nil {
			pe := providers.AsError(err)
			log.Warn("poll account statistics", slog.Int("day", day), slog.String("code", pe.Code), slog.Any("error", err))
			row.Error = pe.Code + ": " + pe.Msg
		} else {
			row.StatDate, row.AgentID, row.AppName, row.Count = st.Date, st.AgentID, st.AppName, st.Count
		}
		if err := p.store.SaveAccountStat(ctx, row); err != nil {
			log.Error("save account statistics", slog.Any("error", err))
			return
		}
	}
}
