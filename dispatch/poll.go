package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// pollStore is what polling needs of the store: which campaigns, task
// groups and accounts are due, and where their figures go.
type pollStore interface {
	// CampaignsToPoll lists campaigns started since `since` that have
	// provider tasks to report on.
	CampaignsToPoll(ctx context.Context, since time.Time) ([]models.Campaign, error)
	// CampaignTaskPage lists up to n of a campaign's provider task ids
	// after the cursor, in task-id order.
	CampaignTaskPage(ctx context.Context, id int64, after string, n int) ([]string, error)
	// VariantTaskPage is CampaignTaskPage for one variant's batches.
	VariantTaskPage(ctx context.Context, id int64, variant int, after string, n int) ([]string, error)
	// SaveVariantSnapshot is SaveSnapshot for one variant of a campaign,
	// with its accepted count at the time.
	SaveVariantSnapshot(ctx context.Context, campaignID int64, variant int, channels json.RawMessage, accepted int64, pollErr string) error
	// CampaignVariantTotals counts each variant's recipients and outcomes.
	CampaignVariantTotals(ctx context.Context, id int64) (map[int]models.VariantTotals, error)
	// SaveSnapshot stores a campaign's report, or the poll's error when
	// pollErr is set (the figures then go stale).
	SaveSnapshot(ctx context.Context, campaignID int64, channels json.RawMessage, pollErr string) error
	// GroupsToPoll lists the (account, group) pairs sent since `since`.
	GroupsToPoll(ctx context.Context, since time.Time) ([]models.GroupKey, error)
	// LastGroupPoll returns the newest poll of a group, ok=false before any.
	LastGroupPoll(ctx context.Context, providerID int64, group string) (at time.Time, ok bool, err error)
	// SaveGroupSnapshot is SaveSnapshot for a task group on one account.
	SaveGroupSnapshot(ctx context.Context, providerID int64, group string, channels json.RawMessage, pollErr string) error
	// AccountsToPoll lists accounts with a campaign sent since `since`.
	AccountsToPoll(ctx context.Context, since time.Time) ([]int64, error)
	// LastAccountPoll returns the newest per-app poll, ok=false before any.
	LastAccountPoll(ctx context.Context, providerID int64) (at time.Time, ok bool, err error)
	// SaveAccountStat stores one day's per-app figures or its poll error.
	SaveAccountStat(ctx context.Context, st models.AccountStat) error
	// ProviderAccountByID returns ErrNotFound for an unknown id.
	ProviderAccountByID(ctx context.Context, id int64) (models.ProviderAccount, error)
	// Now is the store's clock.
	Now() time.Time
}

// poller fetches provider reports: per campaign (through a queue with one
// lane per account, poll_queue.go), per task group and per account.
type poller struct {
	store   pollStore
	clients *clients
	cfg     Config
	log     *slog.Logger
	// reportq takes campaigns to the poller's lanes (poll_queue.go).
	reportq chan models.Campaign

	mu       sync.Mutex
	lastPoll map[int64]time.Time
}

func newPoller(store pollStore, cl *clients, cfg Config, log *slog.Logger) *poller {
	return &poller{store: store, clients: cl, cfg: cfg, log: log, reportq: make(chan models.Campaign, reportQueue), lastPoll: map[int64]time.Time{}}
}

// pollReports queues every recent campaign for a report snapshot (taken
// by the poller, see poll_queue.go), at most once per PollEvery per
// campaign, then polls the task-group reports (poll_groups.go) and the
// per-app daily figures (poll_accounts.go) of recently used accounts. A
// failed poll is stored as an error snapshot: the figures go stale, they
// are never zeroed.
func (p *poller) pollReports(ctx context.Context) {
	now := p.store.Now()
	cs, err := p.store.CampaignsToPoll(ctx, now.Add(-p.cfg.PollWindow))
	if err != nil {
		p.log.Error("campaigns to poll", slog.Any("error", err))
		return
	}
	for _, c := range cs {
		if ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		last := p.lastPoll[c.ID]
		due := now.Sub(last) >= p.cfg.PollEvery
		if due {
			p.lastPoll[c.ID] = now
		}
		p.mu.Unlock()
		if due {
			p.queuePoll(ctx, c)
		}
	}
	p.pollGroupReports(ctx, now)
	p.pollAccountStats(ctx, now)
}

// PollCampaign fetches and stores one campaign's provider figures now.
// Each report call waits for the account's request limiter, as sends do,
// so polling a campaign of many tasks cannot push the account past its
// rate.
func (e *Engine) PollCampaign(ctx context.Context, c models.Campaign) { e.poll.pollCampaign(ctx, c) }

func (p *poller) pollCampaign(ctx context.Context, c models.Campaign) {
	log := p.log.With(slog.Int64("campaign", c.ID))
	acct, err := p.store.ProviderAccountByID(ctx, c.ProviderID)
	if err != nil {
		log.Error("poll: provider account", slog.Any("error", err))
		return
	}
	cl, err := p.clients.entry(ctx, acct)
	if err != nil {
		log.Error("poll: provider client", slog.Any("error", err))
		return
	}
	rep, ok := cl.p.(providers.Reporter)
	if !ok {
		return
	}
	if c.Variants != "" {
		p.pollVariants(ctx, log, cl, rep, c)
		return
	}
	p.pollTasks(ctx, log, cl, rep, c)
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
