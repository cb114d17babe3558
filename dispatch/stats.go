package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Funnel is a campaign's merged statistics: the engine's own figures
// (targeted, sent = accepted by the provider, failed) with the provider's
// report (received, displayed, clicked), per channel and in total.
type Funnel struct {
	Channels  []models.ChannelFigures
	Totals    models.ChannelFigures
	UpdatedAt *time.Time
	// Reported is false when no provider report was stored yet (or the
	// provider has none, like WeCom).
	Reported bool
	// Stale is true when the newest poll failed: the figures are older.
	Stale    bool
	Failures []models.FailureCount
}

// MergeFunnel merges the engine's counters with a provider report.
//
//   - The channels are the report's lines that carry figures; without any,
//     one line named after the provider kind carries the engine's figures.
//   - For a listed audience the engine knows the exact target (recipients),
//     what the provider accepted (sent), what was invalid, what failed and
//     what a cancel left unsent (unsent, as models.FiguresOf counts them),
//     so those totals are the engine's; for a broadcast they are the
//     report's.
//   - Received, displayed and clicked only come from the report.
func MergeFunnel(kind string, c models.Campaign, unsent int64, report []providers.ChannelStats) (channels []models.ChannelFigures, totals models.ChannelFigures) {
	listed := c.Recipients > 0
	sum := providers.ChannelStats{Channel: providers.TotalChannel}
	for _, r := range report {
		if r.Target == 0 && r.Sent == 0 && r.Received == 0 && r.Displayed == 0 && r.Clicked == 0 {
			continue // a channel the push did not use (MX lists all eight)
		}
		ch := models.ChannelFigures{Channel: r.Channel, Target: r.Target, Sent: r.Sent, Received: r.Received, Displayed: r.Displayed, Clicked: r.Clicked}
		channels = append(channels, ch)
		sum.Add(r)
	}
	totals = models.ChannelFigures{Channel: sum.Channel, Target: sum.Target, Sent: sum.Sent, Received: sum.Received, Displayed: sum.Displayed, Clicked: sum.Clicked}
	if listed {
		f := models.FiguresOf(c.Totals(), unsent, nil)
		totals.Target, totals.Sent, totals.Invalid, totals.Failed, totals.Unsent = f.Recipients, f.Accepted, f.Invalid, f.Failed, f.Unsent
	}
	if len(channels) == 0 {
		channels = []models.ChannelFigures{{Channel: kind, Target: totals.Target, Sent: totals.Sent, Invalid: totals.Invalid, Failed: totals.Failed, Unsent: totals.Unsent}}
	}
	return channels, totals
}

// CampaignFunnel returns a campaign's funnel from its counters, its newest
// report snapshot and its failures by reason.
func (e *Engine) CampaignFunnel(ctx context.Context, c models.Campaign) (Funnel, error) {
	acct, err := e.store.ProviderAccountByID(ctx, c.ProviderID)
	if err != nil {
		return Funnel{}, err
	}
	var f Funnel
	var report []providers.ChannelStats
	snap, stale, err := e.store.LatestSnapshot(ctx, c.ID)
	switch {
	case err == nil:
		if err := json.Unmarshal(snap.Channels, &report); err != nil {
			return Funnel{}, fmt.Errorf("dispatch: decode snapshot of campaign %d: %w", c.ID, err)
		}
		t := snap.TakenAt
		f.UpdatedAt, f.Reported, f.Stale = &t, true, stale
	case errors.Is(err, models.ErrNotFound):
		f.Stale = stale
	default:
		return Funnel{}, err
	}
	if f.Failures, err = e.store.CampaignFailures(ctx, c.ID); err != nil {
		return Funnel{}, err
	}
	f.Channels, f.Totals = MergeFunnel(acct.Kind, c, models.UnsentOf(f.Failures), report)
	return f, nil
}
