package dispatch

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// verifySignature is what a receiver does (the README shows the same):
// recompute the HMAC over "<t>.<body>" and refuse a stale timestamp.
func verifySignature(secret, header string, body []byte, now time.Time) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("no timestamp")
	}
	if d := now.Sub(time.Unix(t, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("stale")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return errors.New("bad signature")
	}
	return nil
}

// receiver is a real HTTP endpoint that checks every request's signature
// and answers what answer says for the n-th request (1-based).
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	secret string
	answer func(n int, w http.ResponseWriter, r *http.Request)

	mu       sync.Mutex
	bodies   []models.WebhookBody
	times    []time.Time
	inFlight int
	peak     int
}

func newReceiver(t testing.TB, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	rc := &receiver{t: t, answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("read body: %v", err)
		return
	}
	rc.mu.Lock()
	secret := rc.secret
	rc.mu.Unlock()
	if err := verifySignature(secret, r.Header.Get(HeaderWebhookSignature), body, time.Now()); err != nil {
		rc.t.Errorf("signature: %v (header %q)", err, r.Header.Get(HeaderWebhookSignature))
	}
	var b models.WebhookBody
	if err := json.Unmarshal(body, &b); err != nil || b.ID == "" || b.ID != r.Header.Get(HeaderWebhookEventID) || b.Type != r.Header.Get(HeaderWebhookEvent) {
		rc.t.Errorf("body %s with headers %v: %v", body, r.Header, err)
	}
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, b)
	rc.times = append(rc.times, time.Now())
	n := len(rc.bodies)
	rc.inFlight++
	rc.peak = max(rc.peak, rc.inFlight)
	rc.mu.Unlock()
	defer func() {
		rc.mu.Lock()
		rc.inFlight--
		rc.mu.Unlock()
	}()
	if rc.answer != nil {
		rc.answer(n, w, r)
	}
}

func (rc *receiver) received() []models.WebhookBody {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]models.WebhookBody(nil), rc.bodies...)
}

// endpoint registers rc for events and gives it the secret to check.
func (rc *receiver) endpoint(store *models.Store, events ...string) models.WebhookEndpoint {
	rc.t.Helper()
	e, secret, err := store.CreateWebhook(context.Background(), models.WebhookInput{URL: rc.srv.URL + "/hook", Events: events})
	if err != nil {
		rc.t.Fatal(err)
	}
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	return e
}

// runWebhooks starts a worker with fast timings until the test ends.
func runWebhooks(t testing.TB, store *models.Store, cfg WebhookConfig) *Webhooks {
	if cfg.Idle == 0 {
		cfg.Idle = 10 * time.Millisecond
	}
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase, cfg.BackoffMax = 20*time.Millisecond, 100*time.Millisecond
	}
	w := NewWebhooks(store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(timeout); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func logOf(t testing.TB, store *models.Store, e models.WebhookEndpoint) []models.WebhookDelivery {
	t.Helper()
	ds, err := store.WebhookLog(context.Background(), e.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestWebhookCampaignEventsSigned runs a real campaign through the engine
// and checks the receiver got its start and its end, signed.
func TestWebhookCampaignEventsSigned(t *testing.T) {
	h := newHarness(t, Config{})
	rc := newReceiver(t, nil)
	rc.endpoint(h.store, models.WebhookEventTypes()...)
	runWebhooks(t, h.store, WebhookConfig{})
	h.start()
	c := h.campaign(h.account("sandbox", "", json.RawMessage(`{}`)), "notification", models.Audience{Kind: "cid", Values: cids(10)}, draft.Options{})
	h.send(c)
	h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	waitFor(t, 5*time.Second, "two events", func() bool { return len(rc.received()) >= 2 })
	// Deliveries run concurrently: the order of arrival is not the order
	// of the events (created_at is).
	byType := map[string]models.WebhookBody{}
	for _, b := range rc.received() {
		byType[b.Type] = b
	}
	started, completed := byType[models.EventCampaignStarted], byType[models.EventCampaignCompleted]
	if len(byType) != 2 || started.ID == "" || completed.ID == "" || completed.CreatedAt.Before(started.CreatedAt) {
		t.Fatalf("received %+v", rc.received())
	}
	if completed.Data["campaign_id"] != float64(c.ID) || completed.Data["totals"].(map[string]any)["recipients"] != float64(10) {
		t.Errorf("completed data %+v", completed.Data)
	}
}

// TestWebhookRetriesWithBackoff: two 500s, then a 200; the gaps grow and
// the event is delivered after three attempts with the same id.
func TestWebhookRetriesWithBackoff(t *testing.T) {
	h := newHarness(t, Config{})
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 {
			http.Error(w, "not yet", http.StatusInternalServerError)
		}
	})
	e := rc.endpoint(h.store, models.EventImportFinished)
	runWebhooks(t, h.store, WebhookConfig{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second})
	if err := h.store.EmitWebhook(context.Background(), models.EventImportFinished, map[string]any{"imported": 1}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "delivery", func() bool {
		ds := logOf(t, h.store, e)
		return len(ds) == 1 && ds[0].State == models.WebhookDelivered
	})
	d := logOf(t, h.store, e)[0]
	if d.Attempts != 3 || d.LastStatus != 200 || d.LastError != "" {
		t.Errorf("log line %+v, want 3 attempts ending in 200", d)
	}
	got := rc.received()
	if len(got) != 3 || got[0].ID != got[2].ID {
		t.Fatalf("received %d requests, ids %v", len(got), got)
	}
	rc.mu.Lock()
	gap1, gap2 := rc.times[1].Sub(rc.times[0]), rc.times[2].Sub(rc.times[1])
	rc.mu.Unlock()
	// Steps of 100 ms then 200 ms, each waited 50–100 %.
	if gap1 < 50*time.Millisecond || gap2 < 100*time.Millisecond {
		t.Errorf("gaps %v, %v: shorter than the backoff", gap1, gap2)
	}
	t.Logf("retry gaps %v, %v", gap1, gap2)
}

// TestWebhookDeadAfterHorizon: an endpoint that always fails is given up
// once the next attempt would fall past the event's horizon.
func TestWebhookDeadAfterHorizon(t *testing.T) {
	h := newHarness(t, Config{})
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	e := rc.endpoint(h.store, models.EventImportFinished)
	runWebhooks(t, h.store, WebhookConfig{Horizon: 300 * time.Millisecond, BackoffBase: 40 * time.Millisecond, BackoffMax: 80 * time.Millisecond})
	if err := h.store.EmitWebhook(context.Background(), models.EventImportFinished, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "dead", func() bool {
		ds := logOf(t, h.store, e)
		return len(ds) == 1 && ds[0].State == models.WebhookDead
	})
	d := logOf(t, h.store, e)[0]
	if d.Attempts < 2 || d.LastStatus != 503 || !strings.Contains(d.LastError, "503") {
		t.Errorf("log line %+v", d)
	}
}

// TestWebhookHangingEndpoint: an endpoint that never answers holds at
// most PerEndpoint slots until its timeout; another endpoint's events keep
// flowing meanwhile.
func TestWebhookHangingEndpoint(t *testing.T) {
	h := newHarness(t, Config{})
	release := make(chan struct{})
	hang := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	ok := newReceiver(t, nil)
	hang.endpoint(h.store, models.EventImportFinished)
	ok.endpoint(h.store, models.EventImportFinished)
	runWebhooks(t, h.store, WebhookConfig{Workers: 4, PerEndpoint: 2, Timeout: 3 * time.Second})
	start := time.Now()
	for i := range 20 {
		if err := h.store.EmitWebhook(context.Background(), models.EventImportFinished, map[string]any{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 2*time.Second, "the healthy endpoint's 20 events", func() bool { return len(ok.received()) == 20 })
	t.Logf("healthy endpoint got 20 events in %v while the other hangs", time.Since(start))
	hang.mu.Lock()
	peak := hang.peak
	hang.mu.Unlock()
	if peak > 2 {
		t.Errorf("the hanging endpoint held %d requests at once, want at most 2", peak)
	}
}

// TestWebhookRedirectNotFollowed: a 3xx is a failed attempt; the signed
// body never reaches the redirect's target.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	h := newHarness(t, Config{})
	target := newReceiver(t, nil)
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.srv.URL+"/elsewhere", http.StatusTemporaryRedirect)
	})
	e := rc.endpoint(h.store, models.EventImportFinished)
	runWebhooks(t, h.store, WebhookConfig{BackoffBase: time.Hour})
	if err := h.store.EmitWebhook(context.Background(), models.EventImportFinished, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "an attempt", func() bool {
		ds := logOf(t, h.store, e)
		return len(ds) == 1 && ds[0].Attempts == 1
	})
	if d := logOf(t, h.store, e)[0]; d.State != models.WebhookPending || d.LastStatus != http.StatusTemporaryRedirect {
		t.Errorf("log line %+v", d)
	}
	if n := len(target.received()); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}

// TestWebhookBackoffSteps: each wait is 50–100 % of a step that doubles
// from BackoffBase up to BackoffMax, and a retry that would fall past the
// event's horizon is not scheduled (the delivery is dead).
func TestWebhookBackoffSteps(t *testing.T) {
	h := newHarness(t, Config{})
	w := NewWebhooks(h.store, WebhookConfig{BackoffBase: time.Second, BackoffMax: 8 * time.Second, Horizon: time.Hour}, nil)
	now := h.store.Now()
	tests := []struct {
		name     string
		attempts int
		step     time.Duration
	}{
		{"first retry", 0, time.Second},
		{"doubles", 2, 4 * time.Second},
		{"capped", 5, 8 * time.Second},
		{"capped far out", 1000, 8 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 50 {
				state, at := w.next(models.WebhookDelivery{Attempts: tc.attempts, CreatedAt: now})
				wait := at.Sub(now)
				if state != models.WebhookPending || wait < tc.step/2 || wait > tc.step+time.Second {
					t.Fatalf("%s in %v, want pending within [%v, %v]", state, wait, tc.step/2, tc.step)
				}
			}
		})
	}
	t.Run("past the horizon", func(t *testing.T) {
		if state, _ := w.next(models.WebhookDelivery{Attempts: 3, CreatedAt: now.Add(-time.Hour + time.Second)}); state != models.WebhookDead {
			t.Errorf("state %s, want dead", state)
		}
	})
}
