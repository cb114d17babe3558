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
	// Owner names this process in leases. A stable name (main uses the
	// host name) lets a restarted process take back its own batches at once;
	// random when empty.
	Owner string
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
	send := newSender(store, cl, cfg, log, m, poll.handOff)
	return &Engine{
		store: store, clients: cl, cfg: cfg, log: log, metrics: m,
		plan: newPlanner(store, cl, cfg, log, send.sendInfo, send.wakeUp),
		send: send, poll: poll,
	}
}

// Run starts the workers, the scheduler and the poller, and blocks until
// ctx is done and every goroutine has stopped (an in-flight call finishes
// or is abandoned to its lease).
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	stopSending := e.send.start(ctx)
	wg.Go(func() { e.plan.run(ctx) })
	wg.Go(func() { e.every(ctx, time.Second, e.startDue) })
	wg.Go(func() { e.recurringLoop(ctx) })
	wg.Go(func() { e.poll.run(ctx) })
	wg.Go(func() { e.every(ctx, max(e.cfg.PollEvery/3, time.Second), e.poll.pollReports) })
	wg.Go(func() { e.every(ctx, e.cfg.PruneEvery, e.pruneDeliveries) })
	<-ctx.Done()
	stopSending()
	wg.Wait()
}

func (e *Engine) every(ctx context.Context, d time.Duration, fn func(context.Context)) {
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

// Wake tells idle workers that new work is due.
func (e *Engine) Wake() { e.send.wakeUp() }

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
