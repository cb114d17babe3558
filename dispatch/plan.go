package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// How an audience reaches the provider.
type mode int

const (
	// broadcast: one request the provider resolves itself (all, native tag).
	broadcast mode = iota
	// listed: the campaign's own value list (cid, or alias where native),
	// sorted and de-duplicated, in batches of the provider's limit.
	listed
	// resolved: the device registry streams the matching client ids.
	resolved
)

// planMode decides how an audience is sent with a provider, or explains
// why it cannot be (a ValidationError on audience.kind).
func planMode(a models.Audience, caps providers.Capabilities) (mode, error) {
	unsupported := func() (mode, error) {
		v := &models.ValidationError{}
		v.Add("audience.kind", "err.unsupported_audience", nil)
		return 0, v
	}
	switch a.Kind {
	case "all":
		if caps.Supports(providers.AudienceAll) {
			return broadcast, nil
		}
		return resolved, nil
	case "tag":
		if caps.Supports(providers.AudienceTag) {
			return broadcast, nil
		}
		return resolved, nil
	case "cid":
		if caps.Supports(providers.AudienceCID) {
			return listed, nil
		}
		return unsupported()
	case "alias":
		if caps.Supports(providers.AudienceAlias) {
			return listed, nil
		}
		return resolved, nil
	case "segment", "conditions":
		// Segments are nested AND/OR/NOT trees over fields only the
		// registry knows (vendor, user_id); resolving them locally is exact
		// for every provider.
		return resolved, nil
	}
	return unsupported()
}

// planStore is what the planner needs of the store: the campaigns left to
// plan, their accounts and audiences, and the batches it freezes.
type planStore interface {
	// UnplannedCampaigns lists sending campaigns not fully frozen yet.
	UnplannedCampaigns(ctx context.Context) ([]models.Campaign, error)
	// ProviderAccountByID returns ErrNotFound for an unknown id.
	ProviderAccountByID(ctx context.Context, id int64) (models.ProviderAccount, error)
	// StreamCampaignValues calls fn with the campaign's stored list, sorted
	// and de-duplicated, a page at a time after `after`.
	StreamCampaignValues(ctx context.Context, id int64, after string, batch int, fn func([]string) error) error
	// StreamAudience calls fn with the registry's client ids matching the
	// audience, in key order; a bad audience is a *models.ValidationError.
	StreamAudience(ctx context.Context, providerID int64, a models.Audience, batch int, fn func(cids []string) error) error
	// FreezeBatches stores batches with their request ids and the plan
	// cursor in one transaction; final marks the plan complete.
	FreezeBatches(ctx context.Context, campaignID int64, bs []models.NewBatch, cursor string, final bool) error
	// Transition returns *models.TransitionError (ErrConflict) when the
	// campaign moved on meanwhile.
	Transition(ctx context.Context, id int64, to models.Status, actor, reason string) (models.Campaign, error)
	// StartABSample marks a test-first campaign's sample as started.
	StartABSample(ctx context.Context, id int64, wait time.Duration) error
	// localStore gives recipients' zones to local-time plans.
	localStore
}

// planner freezes the audiences of sending campaigns into batches.
type planner struct {
	store   planStore
	clients *clients
	cfg     Config
	log     *slog.Logger
	// info is the sender's cached view of a campaign (its speed cuts
	// batches); wake tells the sender frozen batches are due.
	info func(ctx context.Context, id int64) (campaignInfo, error)
	wake func(context.Context)
	q    chan struct{}
}

func newPlanner(store planStore, cl *clients, cfg Config, log *slog.Logger, info func(context.Context, int64) (campaignInfo, error), wake func(context.Context)) *planner {
	return &planner{store: store, clients: cl, cfg: cfg, log: log, info: info, wake: wake, q: make(chan struct{}, 1)}
}

// run freezes audiences: at start (resuming interrupted plans), when a
// campaign starts, and periodically.
func (p *planner) run(ctx context.Context) {
	t := time.NewTicker(10 * p.cfg.Idle)
	defer t.Stop()
	for {
		p.planPending(ctx)
		select {
		case <-ctx.Done():
			return
		case <-p.q:
		case <-t.C:
		}
	}
}

// poke asks the planner to look for campaigns to plan now.
func (p *planner) poke() {
	select {
	case p.q <- struct{}{}:
	default:
	}
}

// chunkBatches is how many batches one freeze transaction writes: large
// enough to keep the writer efficient, small enough not to hold the write
// lock for long (≈20,000 recipients at 500 a batch).
const chunkBatches = 40

// planPending freezes the audiences of sending campaigns that are not fully
// planned yet: new ones, and ones whose planner was interrupted.
func (p *planner) planPending(ctx context.Context) {
	cs, err := p.store.UnplannedCampaigns(ctx)
	if err != nil {
		p.log.Error("unplanned campaigns", slog.Any("error", err))
		return
	}
	for _, c := range cs {
		if ctx.Err() != nil {
			return
		}
		if err := p.plan(ctx, c); err != nil && ctx.Err() == nil {
			p.log.Error("plan campaign", slog.Int64("campaign", c.ID), slog.Any("error", err))
			if !errors.Is(err, models.ErrConflict) {
				if _, terr := p.store.Transition(ctx, c.ID, models.StatusFailed, "engine", "planning failed: "+err.Error()); terr != nil {
					p.log.Error("fail campaign", slog.Int64("campaign", c.ID), slog.Any("error", terr))
				}
			}
		}
	}
}

// plan streams the campaign's audience in key order from its plan cursor
// and freezes it chunk by chunk.
func (p *planner) plan(ctx context.Context, c models.Campaign) error {
	acct, err := p.store.ProviderAccountByID(ctx, c.ProviderID)
	if err != nil {
		return err
	}
	pr, err := p.clients.get(ctx, acct)
	if err != nil {
		return err
	}
	caps := pr.Capabilities()
	m, err := planMode(c.Audience, caps)
	if err != nil {
		return err
	}
	d, err := draft.Of(c)
	if err != nil {
		return err
	}
	if err := p.startSample(ctx, &c, d); err != nil {
		return err
	}
	local := p.localPlanOf(c, acct)
	if (local != nil || len(d.Variants) > 0) && m == broadcast {
		// One request reaches every zone, every variant, at once: resolve
		// the audience from the registry instead, to send each zone at its
		// time and each recipient their variant.
		m = resolved
	}
	if m == broadcast {
		if info, err := p.info(ctx, c.ID); err == nil && info.tmpl != nil {
			// A personalized message is rendered per recipient: resolve the
			// audience from the registry, whose devices carry the values.
			m = resolved
		}
	}
	if m == broadcast {
		t, err := json.Marshal(providers.Target{Kind: providers.AudienceKind(c.Audience.Kind), Values: c.Audience.Values})
		if err != nil {
			return fmt.Errorf("dispatch: encode target: %w", err)
		}
		return p.store.FreezeBatches(ctx, c.ID, []models.NewBatch{{Target: t}}, "", true)
	}
	kind := providers.AudienceCID
	if m == listed && c.Audience.Kind == "alias" {
		kind = providers.AudienceAlias
	}
	fz := &freezer{p: p, c: c, kind: kind, limit: max(1, caps.Audiences[kind]), cursor: c.PlanCursor, split: newSplitter(c, d)}
	fz.bufs = make([][]string, max(1, len(d.Variants)))
	if fz.local = local; local != nil && kind == providers.AudienceAlias {
		local.by = "alias"
	}
	if info, err := p.info(ctx, c.ID); err == nil && info.speed > 0 {
		// A request never carries more than one second's worth of the
		// campaign's speed, so the speed can be paced one request at a time.
		fz.limit = min(fz.limit, info.speed)
	}
	if m == listed {
		// The list is stored sorted and de-duplicated: read it a page at a
		// time from the plan cursor, never whole.
		err := p.store.StreamCampaignValues(ctx, c.ID, c.PlanCursor, 5000, func(vals []string) error { return fz.add(ctx, vals) })
		if err != nil {
			return fmt.Errorf("dispatch: values of campaign %d: %w", c.ID, err)
		}
	} else {
		err := p.store.StreamAudience(ctx, c.ProviderID, c.Audience, 5000, func(cids []string) error { return fz.add(ctx, cids) })
		if err != nil {
			return fmt.Errorf("dispatch: resolve audience of campaign %d: %w", c.ID, err)
		}
	}
	if err := fz.flush(ctx, true); err != nil {
		return err
	}
	p.log.Info("campaign planned", slog.Int64("campaign", c.ID), slog.Int("batches", c.PlanSeq+fz.batches))
	p.wake(ctx)
	return nil
}

// freezer cuts a key-ordered recipient stream into batches and freezes
// them in chunks, skipping what a previous run already froze.
type freezer struct {
	p      *planner
	c      models.Campaign
	kind   providers.AudienceKind
	limit  int
	cursor string
	// last is the last recipient taken from the stream: once the buffers
	// are cut, everything up to it is frozen (the next cursor).
	last string
	// split places each recipient in a variant (or out of this pass);
	// bufs holds each variant's recipients until a batch is full.
	split   splitter
	bufs    [][]string
	pending []models.NewBatch
	batches int
	// local, when set, gives each recipient a due time (local_time.go).
	local *localPlan
}

func (f *freezer) add(ctx context.Context, cids []string) error {
	if f.local != nil {
		return f.addLocal(ctx, cids)
	}
	for _, cid := range cids {
		if f.cursor != "" && cid <= f.cursor {
			continue // frozen by an earlier, interrupted run
		}
		f.last = cid
		v, ok := f.split.place(cid)
		if !ok {
			continue
		}
		f.bufs[v] = append(f.bufs[v], cid)
		if len(f.bufs[v]) == f.limit {
			if err := f.cut(v); err != nil {
				return err
			}
			if len(f.pending) >= chunkBatches {
				if err := f.flush(ctx, false); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// cut turns a variant's buffer into a batch.
func (f *freezer) cut(v int) error {
	if len(f.bufs[v]) == 0 {
		return nil
	}
	if err := f.cutDue(f.bufs[v], time.Time{}, v); err != nil {
		return err
	}
	f.bufs[v] = nil
	return nil
}

// cutDue adds a batch of one variant's recipients due at due (zero: at
// once).
func (f *freezer) cutDue(recipients []string, due time.Time, variant int) error {
	// The recipients travel in the batch's own column; the target keeps
	// only the kind.
	t, err := json.Marshal(providers.Target{Kind: f.kind})
	if err != nil {
		return fmt.Errorf("dispatch: encode target: %w", err)
	}
	f.pending = append(f.pending, models.NewBatch{Target: t, Recipients: recipients, DueAt: due, Variant: variant})
	return nil
}

// flush freezes the pending batches. Every variant's buffer is cut
// first, however short, so the cursor can move to the last recipient
// taken: a resumed plan then skips exactly what was frozen.
func (f *freezer) flush(ctx context.Context, final bool) error {
	for v := range f.bufs {
		if err := f.cut(v); err != nil {
			return err
		}
	}
	if len(f.pending) == 0 && !final {
		return nil
	}
	if f.last != "" {
		f.cursor = f.last
	}
	if err := f.p.store.FreezeBatches(ctx, f.c.ID, f.pending, f.cursor, final); err != nil {
		return err
	}
	f.batches += len(f.pending)
	f.pending = f.pending[:0]
	f.p.wake(ctx) // workers may start on the first chunks while the rest is frozen
	return nil
}
