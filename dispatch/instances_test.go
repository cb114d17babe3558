package dispatch

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// twin builds a second engine on h's database through connections of its
// own, as a second process would have: its own write lock and pool.
func (h *harness) twin(cfg Config) *harness {
	h.t.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, h.dsn)
	if err != nil {
		h.t.Fatal(err)
	}
	sealer, err := models.NewSealer("k")
	if err != nil {
		h.t.Fatal(err)
	}
	cfg.defaults()
	if cfg.Idle == 0 || cfg.Idle == time.Second {
		cfg.Idle = 10 * time.Millisecond
	}
	store := models.NewStore(db, sealer)
	tw := &harness{t: h.t, store: store, engine: New(store, testRegistry(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	h.t.Cleanup(func() {
		tw.stop()
		if err := models.Close(db); err != nil {
			h.t.Error(err)
		}
	})
	return tw
}

// waitUntilTrue polls cond until it holds or the timeout passes.
func waitUntilTrue(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
	}
}

// TestTwoInstancesShareACampaign: two engines on one database send one
// campaign together, each recipient once; one leads; each paces the
// account at half its rate.
func TestTwoInstancesShareACampaign(t *testing.T) {
	fake := mxfake.New(t)
	fake.SetDelay(5 * time.Millisecond)
	// Long enough that a heartbeat late under load never drops an instance
	// from the count mid-test.
	const lease = 3 * time.Second
	a := newHarness(t, Config{Owner: "a", InstanceLease: lease, Workers: 2})
	b := a.twin(Config{Owner: "b", InstanceLease: lease, Workers: 2})
	acct := a.account("mxpush", fake.URL(), fake.Credentials())
	const n = 30_000 // 60 batches of 500
	c := a.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, draft.Options{})
	a.start()
	b.start()
	waitUntilTrue(t, 5*time.Second, "both instances count each other", func() bool {
		return a.engine.clients.instances() == 2 && b.engine.clients.instances() == 2
	})
	// Counting each other comes from the heartbeats; the leader lease is
	// tried on its own tick, so it may be taken a moment later.
	waitUntilTrue(t, 5*time.Second, "exactly one instance leads", func() bool {
		return a.engine.IsLeader() != b.engine.IsLeader()
	})
	// Started through the instance that does not lead: the leader plans it.
	starter := b
	if b.engine.IsLeader() {
		starter = a
	}
	if _, err := starter.engine.Send(context.Background(), c.ID, "test"); err != nil {
		t.Fatal(err)
	}
	c = a.waitStatus(c.ID, 30*time.Second, models.StatusCompleted)
	a.checkInvariants(c, n)
	seen := map[string]string{}
	for _, task := range fake.Tasks() {
		for _, v := range task.Values {
			if prev, ok := seen[v]; ok {
				t.Fatalf("%s pushed under two request ids: %s and %s", v, prev, task.RequestID)
			}
			seen[v] = task.RequestID
		}
	}
	if len(seen) != n {
		t.Errorf("%d recipients pushed, want %d", len(seen), n)
	}
	byA, byB := testutil.ToFloat64(a.engine.metrics.batches), testutil.ToFloat64(b.engine.metrics.batches)
	if byA == 0 || byB == 0 {
		t.Errorf("batches sent by a: %v, by b: %v; want both sending", byA, byB)
	}
	t.Logf("batches: a %v, b %v", byA, byB)
	acctNow, err := a.store.ProviderAccountByID(context.Background(), acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := a.engine.clients.entry(context.Background(), acctNow)
	if err != nil {
		t.Fatal(err)
	}
	rps, _ := cl.rate.Rate()
	if got := float64(cl.limit.Limit()); got > rps/2+1e-9 {
		t.Errorf("instance paces at %v requests/s of the account's %v: more than its half", got, rps)
	}
}

// TestLeaderTakesOver: when the leader stops, the other instance leads
// within one instance lease; when it comes back it does not take over.
func TestLeaderTakesOver(t *testing.T) {
	const lease = time.Second
	a := newHarness(t, Config{Owner: "a", InstanceLease: lease})
	b := a.twin(Config{Owner: "b", InstanceLease: lease})
	a.start()
	waitUntilTrue(t, 2*time.Second, "a leads alone", a.engine.IsLeader)
	b.start()
	time.Sleep(2 * lease)
	if !a.engine.IsLeader() || b.engine.IsLeader() {
		t.Fatalf("a %v, b %v: the first leader keeps the lease while it renews", a.engine.IsLeader(), b.engine.IsLeader())
	}
	a.stop()
	waitUntilTrue(t, lease+lease/2, "b leads once a stopped", b.engine.IsLeader)
	waitUntilTrue(t, 2*lease, "b counts itself alone", func() bool { return b.engine.clients.instances() == 1 })
	a.start()
	time.Sleep(2 * lease)
	if a.engine.IsLeader() || !b.engine.IsLeader() {
		t.Errorf("after a restarts: a %v, b %v; want b to keep leading", a.engine.IsLeader(), b.engine.IsLeader())
	}
}

// bus is a Notifier shared by engines in one test process, standing in
// for PostgreSQL's LISTEN/NOTIFY: every listener hears every topic.
type bus struct {
	mu        sync.Mutex
	listeners []chan string
}

func (b *bus) Notify(_ context.Context, topic string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.listeners {
		select {
		case l <- topic:
		default: // a busy listener already has a wake-up queued
		}
	}
	return nil
}

func (b *bus) Listen(ctx context.Context, fn func(string)) {
	l := make(chan string, 8)
	b.mu.Lock()
	b.listeners = append(b.listeners, l)
	b.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return
		case topic := <-l:
			fn(topic)
		}
	}
}

// TestWakeUpsReachTheLeader: a campaign started through the instance that
// does not lead is planned at once by the leader, woken through the
// notifier, long before the leader's planner would poll (ten idle periods).
func TestWakeUpsReachTheLeader(t *testing.T) {
	fake := mxfake.New(t)
	const lease = time.Second
	n := &bus{}
	cfg := Config{InstanceLease: lease, Idle: 500 * time.Millisecond, Notifier: n}
	cfg.Owner = "a"
	a := newHarness(t, cfg)
	cfg.Owner = "b"
	b := a.twin(cfg)
	acct := a.account("mxpush", fake.URL(), fake.Credentials())
	c := a.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(1000)}, draft.Options{})
	a.start()
	waitUntilTrue(t, 2*time.Second, "a leads", a.engine.IsLeader)
	b.start()
	time.Sleep(lease) // b's first look for work is behind it
	began := time.Now()
	if _, err := b.engine.Send(context.Background(), c.ID, "test"); err != nil {
		t.Fatal(err)
	}
	a.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("the campaign took %v: the leader was not woken (its planner polls every %v)", took, 10*cfg.Idle)
	}
}
