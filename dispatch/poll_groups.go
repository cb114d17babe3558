package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// pollGroupReports stores a snapshot of the task-group report of every
// group with a campaign sent in the poll window, per account whose client
// has group reports (GeTui), at most once per PollEvery per (account,
// group). "Due" is read from the newest stored poll, failed ones included,
// so it holds across restarts and a failing provider is not hammered.
func (p *poller) pollGroupReports(ctx context.Context, now time.Time) {
	gs, err := p.store.GroupsToPoll(ctx, now.Add(-p.cfg.PollWindow))
	if err != nil {
		p.log.Error("groups to poll", slog.Any("error", err))
		return
	}
	for _, g := range gs {
		if ctx.Err() != nil {
			return
		}
		pr, ok := p.pollClient(ctx, g.ProviderID)
		if !ok {
			continue
		}
		gr, ok := pr.(providers.GroupReporter)
		if !ok {
			continue
		}
		last, polled, err := p.store.LastGroupPoll(ctx, g.ProviderID, g.GroupName)
		if err != nil {
			p.log.Error("last group poll", slog.Int64("account", g.ProviderID), slog.Any("error", err))
			continue
		}
		if polled && now.Sub(last) < p.cfg.PollEvery {
			continue
		}
		p.pollGroup(ctx, gr, g.ProviderID, g.GroupName)
	}
}

// pollClient returns the client of an enabled account for polling; a
// disabled account is left alone (its credentials may be revoked, and
// WeCom bans IPs that keep presenting a refused secret).
func (p *poller) pollClient(ctx context.Context, providerID int64) (providers.Provider, bool) {
	log := p.log.With(slog.Int64("account", providerID))
	acct, err := p.store.ProviderAccountByID(ctx, providerID)
	if err != nil {
		log.Error("poll: provider account", slog.Any("error", err))
		return nil, false
	}
	if acct.Disabled {
		return nil, false
	}
	pr, err := p.clients.get(ctx, acct)
	if err != nil {
		log.Error("poll: provider client", slog.Any("error", err))
		return nil, false
	}
	return pr, true
}

// PollGroup fetches and stores a task group's report on one account now;
// it does nothing when the account's client has no group reports.
func (e *Engine) PollGroup(ctx context.Context, providerID int64, group string) {
	e.poll.pollGroupNow(ctx, providerID, group)
}

func (p *poller) pollGroupNow(ctx context.Context, providerID int64, group string) {
	pr, ok := p.pollClient(ctx, providerID)
	if !ok {
		return
	}
	if gr, ok := pr.(providers.GroupReporter); ok {
		p.pollGroup(ctx, gr, providerID, group)
	}
}

// pollGroup stores the report as the provider gave it, its own total
// included (providers.Report.Lines); a failure is stored as an error snapshot, so the
// previous figures stay current but stale.
func (p *poller) pollGroup(ctx context.Context, gr providers.GroupReporter, providerID int64, group string) {
	log := p.log.With(slog.Int64("account", providerID), slog.String("group", group))
	r, err := gr.GroupReport(ctx, group)
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down: not the provider's failure
		}
		pe := providers.AsError(err)
		log.Warn("poll group report", slog.String("code", pe.Code), slog.Any("error", err))
		if err := p.store.SaveGroupSnapshot(ctx, providerID, group, nil, pe.Code+": "+pe.Msg); err != nil {
			log.Error("save group snapshot", slog.Any("error", err))
		}
		return
	}
	b, err := json.Marshal(r.Lines())
	if err != nil {
		log.Error("encode group snapshot", slog.Any("error", err))
		return
	}
	if err := p.store.SaveGroupSnapshot(ctx, providerID, group, b, ""); err != nil {
		log.Error("save group snapshot", slog.Any("error", err))
	}
}

// GroupReport is a task group's provider figures on one account.
type GroupReport struct {
	ProviderID int64
	Account    string
	Kind       string
	// Channels are the per-channel lines (without the provider's total).
	Channels []providers.ChannelStats
	// Total is the provider's own total when it gives one (its target may
	// exceed the lines' sum), else the lines' sum.
	Total providers.ChannelStats
	// TakenAt is when the figures were polled; nil when no poll has
	// succeeded yet.
	TakenAt *time.Time
	models.PollState
}

// GroupReports returns the newest provider figures of a task group, one
// per account that polled it, ordered by account.
func (e *Engine) GroupReports(ctx context.Context, group string) ([]GroupReport, error) {
	sts, err := e.store.LatestGroupSnapshots(ctx, group)
	if err != nil {
		return nil, err
	}
	out := make([]GroupReport, 0, len(sts))
	for _, st := range sts {
		acct, err := e.store.ProviderAccountByID(ctx, st.ProviderID)
		if err != nil {
			return nil, err
		}
		r := GroupReport{ProviderID: st.ProviderID, Account: acct.Name, Kind: acct.Kind, PollState: st.PollState, Channels: []providers.ChannelStats{}}
		r.Total.Channel = providers.TotalChannel
		if st.Good.ID != 0 {
			var lines []providers.ChannelStats
			if err := json.Unmarshal(st.Good.Channels, &lines); err != nil {
				return nil, fmt.Errorf("dispatch: decode snapshot %d of group %q: %w", st.Good.ID, group, err)
			}
			rep := providers.ReportOfLines(lines)
			r.Channels, r.Total = rep.Channels, rep.Totals()
			t := st.Good.TakenAt
			r.TakenAt = &t
		}
		out = append(out, r)
	}
	return out, nil
}
