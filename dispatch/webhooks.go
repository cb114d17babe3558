package dispatch

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// WebhookStore is what the webhook worker needs of the store. The outbox
// rows it reads were written by the store in the transactions of the
// changes they announce; the worker only delivers them.
type WebhookStore interface {
	Now() time.Time
	ClaimWebhookDeliveries(ctx context.Context, q models.WebhookClaim) ([]models.WebhookDelivery, error)
	RecordWebhookAttempt(ctx context.Context, d models.WebhookDelivery, a models.WebhookAttempt) error
	ReleaseWebhookLeases(ctx context.Context, owner string) (int64, error)
	ExpireWebhookDeliveries(ctx context.Context, cutoff time.Time) (int64, error)
	PruneWebhookLog(ctx context.Context, keep int) (int64, error)
	WebhookByID(ctx context.Context, id int64) (models.WebhookEndpoint, error)
	WebhookSecret(e models.WebhookEndpoint) (string, error)
	WebhookOutboxDepth(ctx context.Context) (int64, error)
}

// WebhookConfig tunes the webhook worker. Zero values take the defaults of
// NewWebhooks.
type WebhookConfig struct {
	// Owner names this process in the outbox leases (main passes the
	// engine's owner, so a restart takes its rows back at once).
	Owner string
	// Workers bounds the requests in flight; PerEndpoint bounds one
	// endpoint's share, so a hanging endpoint holds at most that many
	// slots and the others keep flowing.
	Workers     int
	PerEndpoint int
	// Timeout bounds one attempt, connection to last byte read.
	Timeout time.Duration
	// Horizon is how long after its creation an event is retried before
	// it is marked dead.
	Horizon time.Duration
	// BackoffBase and BackoffMax shape the exponential backoff with jitter
	// between attempts.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// Idle is how long the worker sleeps when nothing is due (Wake and a
	// finished attempt wake it sooner).
	Idle time.Duration
	// Keep is how many finished deliveries each endpoint's log keeps.
	Keep int
	// Client sends the requests (tests); redirects are never followed.
	Client *http.Client
}

func (c *WebhookConfig) defaults() {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.PerEndpoint <= 0 {
		c.PerEndpoint = 2
	}
	c.PerEndpoint = min(c.PerEndpoint, c.Workers)
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Horizon <= 0 {
		c.Horizon = 24 * time.Hour
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = 10 * time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = time.Hour
	}
	if c.Idle <= 0 {
		c.Idle = time.Second
	}
	if c.Keep <= 0 {
		c.Keep = 50
	}
	if c.Owner == "" {
		c.Owner = "webhooks"
	}
}

// Webhooks delivers the outbox: it POSTs each event to each subscribed
// endpoint, signed, and retries with backoff until a 2xx or the horizon.
// It runs apart from the engine's send path and shares nothing with it but
// the database, so a slow or dead endpoint never holds up a send.
type Webhooks struct {
	store  WebhookStore
	cfg    WebhookConfig
	client *http.Client
	log    *slog.Logger
	wake   chan struct{}

	mu   sync.Mutex
	busy map[int64]int // in-flight attempts per endpoint
	n    int           // in-flight attempts in all
}

// NewWebhooks builds the webhook worker; start it with Run.
func NewWebhooks(store WebhookStore, cfg WebhookConfig, log *slog.Logger) *Webhooks {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	hc := providers.HTTPClient(cfg.Client) // a copy that refuses redirects
	hc.Timeout = cfg.Timeout
	return &Webhooks{store: store, cfg: cfg, client: hc, log: log.With(slog.String("component", "webhooks")),
		wake: make(chan struct{}, 1), busy: map[int64]int{}}
}

// Wake makes the worker look for due deliveries now (a test event was
// queued). Safe on a nil worker.
func (w *Webhooks) Wake() {
	if w == nil {
		return
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// housekeepEvery is how often dead events are marked and the logs pruned.
const housekeepEvery = 30 * time.Second

// Run delivers until ctx ends, then waits for the attempts in flight
// (each bounded by Timeout; one cut short keeps its lease and is retried
// by the next run).
func (w *Webhooks) Run(ctx context.Context) {
	if n, err := w.store.ReleaseWebhookLeases(ctx, w.cfg.Owner); err != nil {
		w.log.Error("release webhook leases", slog.Any("error", err))
	} else if n > 0 {
		w.log.Info("retrying webhook deliveries left by the previous run", slog.Int64("deliveries", n))
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	var lastHousekeeping time.Time
	for ctx.Err() == nil {
		if time.Since(lastHousekeeping) >= housekeepEvery {
			w.housekeep(ctx)
			lastHousekeeping = time.Now()
		}
		claimed := w.claim(ctx)
		for _, d := range claimed {
			wg.Go(func() {
				defer w.release(d.EndpointID)
				w.deliver(ctx, d)
			})
		}
		if len(claimed) > 0 && w.free() > 0 {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-time.After(w.cfg.Idle):
		}
	}
}

// claim leases as many due deliveries as there are free slots, at most
// PerEndpoint in flight for any endpoint.
func (w *Webhooks) claim(ctx context.Context) []models.WebhookDelivery {
	free := w.free()
	if free == 0 {
		return nil
	}
	var taken []int64
	take := func(d models.WebhookDelivery) bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.n >= w.cfg.Workers || w.busy[d.EndpointID] >= w.cfg.PerEndpoint {
			return false
		}
		w.busy[d.EndpointID]++
		w.n++
		taken = append(taken, d.EndpointID)
		return true
	}
	// More candidates than slots: some may belong to a full endpoint.
	ds, err := w.store.ClaimWebhookDeliveries(ctx, models.WebhookClaim{Owner: w.cfg.Owner, Limit: free * 4,
		Lease: w.cfg.Timeout + 30*time.Second, Full: w.fullEndpoints(), Take: take})
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("claim webhook deliveries", slog.Any("error", err))
		}
		// The transaction rolled back: give back the slots it took.
		for _, id := range taken {
			w.release(id)
		}
		return nil
	}
	return ds
}

// fullEndpoints are the endpoints using all their slots.
func (w *Webhooks) fullEndpoints() []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []int64
	for id, n := range w.busy {
		if n >= w.cfg.PerEndpoint {
			out = append(out, id)
		}
	}
	return out
}

func (w *Webhooks) free() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cfg.Workers - w.n
}

// release gives back an attempt's slot and wakes the loop for the next.
func (w *Webhooks) release(endpointID int64) {
	w.mu.Lock()
	w.n--
	if w.busy[endpointID]--; w.busy[endpointID] <= 0 {
		delete(w.busy, endpointID)
	}
	w.mu.Unlock()
	w.Wake()
}

// housekeep marks dead the events past the horizon and prunes the logs.
func (w *Webhooks) housekeep(ctx context.Context) {
	if n, err := w.store.ExpireWebhookDeliveries(ctx, w.store.Now().Add(-w.cfg.Horizon)); err != nil {
		if ctx.Err() == nil {
			w.log.Error("expire webhook deliveries", slog.Any("error", err))
		}
	} else if n > 0 {
		w.log.Warn("webhook deliveries given up after the retry horizon", slog.Int64("deliveries", n))
	}
	if _, err := w.store.PruneWebhookLog(ctx, w.cfg.Keep); err != nil && ctx.Err() == nil {
		w.log.Error("prune webhook log", slog.Any("error", err))
	}
}

// RegisterMetrics adds the outbox's depth to the engine's metrics: a
// growing pending count means an endpoint keeps failing (its log says why).
func (w *Webhooks) RegisterMetrics(m *Metrics) error {
	return m.GaugeFunc("pushdeck_webhook_outbox_depth", "Webhook deliveries waiting for a 2xx (new and retrying).",
		func(ctx context.Context) (float64, error) {
			n, err := w.store.WebhookOutboxDepth(ctx)
			return float64(n), err
		})
}
