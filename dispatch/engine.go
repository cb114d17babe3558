// Package dispatch is the campaign engine: lifecycle, freezing audiences
// into batches, workers that claim batches with a lease and call the
// provider, retries with backoff, rate limits, scheduling and report
// polling. It knows nothing of HTTP.
package dispatch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Config tunes the engine. Zero values take the defaults of New.
type Config struct {
	// Workers is how many batches are in flight at once.
	Workers int
	// Lease is how long a claimed batch stays owned without an outcome; a
	// crashed worker's batches are claimed again after it.
	Lease time.Duration
	// Idle is how long an idle worker sleeps before looking for work again
	// (new work wakes workers at once).
	Idle time.Duration
	// MaxAttempts bounds the tries of one batch before its recipients end
	// as failed.
	MaxAttempts int
	// BackoffBase and BackoffMax shape the exponential backoff with jitter.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// MaxWait bounds how long a provider's own "retry after" is honoured.
	MaxWait time.Duration
	// PollEvery is the interval between provider report polls of a campaign;
	// PollWindow is how long after its start a campaign is polled.
	PollEvery  time.Duration
	PollWindow time.Duration
	// Retention is how long delivery rows of finished campaigns are kept
	// (aggregates and snapshots are kept for good); PruneEvery is how often
	// the pruner runs.
	Retention  time.Duration
	PruneEvery time.Duration
	// Owner is this instance's id: it owns the batch leases it claims, its
	// row in the instances table and, while it leads, the leader lease. It
	// must differ between processes sharing a database (main uses host,
	// process id and a random part); random when empty.
	Owner string
	// InstanceLease is how long a heartbeat or the leader lease lasts
	// unrenewed (both are renewed every third of it): a dead instance's
	// batches are released, and another instance leads, within it.
	InstanceLease time.Duration
	// Notifier carries wake-ups to the other instances (notify.go); nil
	// keeps them in this process.
	Notifier Notifier
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.Idle <= 0 {
		c.Idle = time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = 2 * time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 5 * time.Minute
	}
	if c.Retention <= 0 {
		c.Retention = 90 * 24 * time.Hour
	}
	if c.PruneEvery <= 0 {
		c.PruneEvery = time.Hour
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 30 * time.Minute
	}
	if c.PollEvery <= 0 {
		c.PollEvery = 30 * time.Second
	}
	if c.PollWindow <= 0 {
		c.PollWindow = 72 * time.Hour
	}
	if c.InstanceLease <= 0 {
		c.InstanceLease = 15 * time.Second
	}
	if c.Owner == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
		c.Owner = "w-" + hex.EncodeToString(b)
	}
}

// Engine runs campaigns. Build it with New and start it with Run. It owns
// the campaign lifecycle and the drafts; planning, sending and polling are
// its parts (planner, sender, poller), each over the few store methods it
// uses.
type Engine struct {
	store   Store
	clients *clients
	cfg     Config
	log     *slog.Logger
	metrics *Metrics

	plan *planner
	send *sender
	poll *poller
	inst *instance
	lead *leadership
}

// New builds an engine over the store and the provider registry.
func New(store Store, reg providers.Registry, cfg Config, log *slog.Logger) *Engine {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	log = log.With(slog.String("component", "dispatch"))
	cl := newClients(store, reg, log)
	m := newMetrics(store, cl)
	poll := newPoller(store, cl, cfg, log)
	e := &Engine{store: store, clients: cl, cfg: cfg, log: log, metrics: m, poll: poll,
		inst: &instance{store: store, clients: cl, cfg: cfg, log: log, started: time.Now()}}
	e.lead = &leadership{store: store, owner: cfg.Owner, ttl: cfg.InstanceLease, log: log, lead: e.leaderLoops}
	e.send = newSender(store, cl, cfg, log, m, e.reported)
	e.plan = newPlanner(store, cl, cfg, log, e.send.sendInfo, func(ctx context.Context) { e.signal(ctx, topicSend) })
	return e
}

// Run starts the workers, the heartbeat and the contest for leadership
// (which runs the planner, the scheduler and the poller while this
// instance leads), and blocks until ctx is done and every goroutine has
// stopped (an in-flight call finishes or is abandoned to its lease).
//
// Several instances may run on one database. Sending runs on every one:
// batches are claimed with a lease owned by the instance, so each batch
// has one sender at a time, and a dead instance's batches are released by
// the leader's reaper. Everything else runs on the leader only, because
// it would do its work twice or race with itself on another instance.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	// Registered and counted before the first claim, so the first batches
	// already take this instance's share of each account's rate.
	e.inst.beat(ctx)
	stopSending := e.send.start(ctx)
	wg.Go(func() { e.inst.run(ctx) })
	wg.Go(func() { e.lead.run(ctx) })
	if e.cfg.Notifier != nil {
		wg.Go(func() { e.cfg.Notifier.Listen(ctx, e.handle) })
	}
	<-ctx.Done()
	stopSending()
	wg.Wait()
}

// leaderLoops runs the loops that must run on exactly one instance, until
// ctx ends (shutdown, or leadership lost):
//   - the planner: two planners would freeze the same audience twice, each
//     from the plan cursor it read, so recipients would get two batches;
//   - the scheduler and the recurring runs: each due campaign or slot is
//     started once (the transitions are conditional, but every instance
//     trying each second is wasted writes and conflict noise);
//   - the report poller: two would call the provider's report endpoints
//     twice, spending the account's request quota;
//   - retention and the reaper of dead instances: safe twice, useless.
func (e *Engine) leaderLoops(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { e.plan.run(ctx) })
	wg.Go(func() { every(ctx, time.Second, e.startDue) })
	wg.Go(func() { every(ctx, time.Second, e.decideWinners) })
	wg.Go(func() { e.recurringLoop(ctx) })
	wg.Go(func() { e.poll.run(ctx) })
	wg.Go(func() { every(ctx, max(e.cfg.PollEvery/3, time.Second), e.poll.pollReports) })
	wg.Go(func() { every(ctx, e.cfg.PruneEvery, e.pruneDeliveries) })
	wg.Go(func() { every(ctx, max(e.cfg.InstanceLease/3, 10*time.Millisecond), e.reap) })
	wg.Wait()
}

// reported takes a campaign the recorder saw complete to the poller for
// its first report, on the leader; elsewhere the leader's next poll round
// finds it due (it has no poll time yet).
func (e *Engine) reported(c models.Campaign) {
	if e.lead.isLeader() {
		e.poll.handOff(c)
	}
}

// IsLeader reports whether this instance runs the leader-only loops now.
func (e *Engine) IsLeader() bool { return e.lead.isLeader() }

// every runs fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

// Wake tells idle workers, here and on the other instances, that new work
// is due.
func (e *Engine) Wake() { e.signal(context.Background(), topicSend) }

func (e *Engine) startDue(ctx context.Context) {
	due, err := e.store.DueScheduled(ctx, e.store.Now())
	if err != nil {
		e.log.Error("scheduled campaigns", slog.Any("error", err))
		return
	}
	for _, c := range due {
		if _, err := e.start(ctx, c, "scheduler"); err != nil {
			e.log.Error("start scheduled campaign", slog.Int64("campaign", c.ID), slog.Any("error", err))
		}
	}
}
