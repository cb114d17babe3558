package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/getui"
	"github.com/pushdeck/pushdeck/providers/mxpush"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
	"github.com/pushdeck/pushdeck/providers/sandbox"
	"github.com/pushdeck/pushdeck/providers/wecom"
)

func testRegistry() providers.Registry {
	return providers.Registry{
		providers.KindSandbox: sandbox.Spec(),
		providers.KindGeTui:   getui.Spec(),
		providers.KindMXPush:  mxpush.Spec(),
		providers.KindWeCom:   wecom.Spec(),
	}
}

type harness struct {
	t testing.TB
	// dsn opens the harness's database again (a second instance's pools).
	dsn    string
	rdb    *gorm.DB
	store  *models.Store
	engine *Engine
	cancel context.CancelFunc
	done   chan struct{}
}

// newHarness opens a fresh database (dbtest: SQLite, or PostgreSQL when
// PUSHDECK_TEST_DB names a server) and builds an engine with fast
// timings; start runs it.
func newHarness(t testing.TB, cfg Config) *harness {
	t.Helper()
	tdb := dbtest.New(t)
	db, rdb := tdb.Write, tdb.Read
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sealer, err := models.NewSealer("k")
	if err != nil {
		t.Fatal(err)
	}
	store := models.NewStore(db, sealer).WithReader(rdb)
	if cfg.Idle == 0 {
		cfg.Idle = 10 * time.Millisecond
	}
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase, cfg.BackoffMax = 5*time.Millisecond, 20*time.Millisecond
	}
	if cfg.PollEvery == 0 {
		cfg.PollEvery = time.Hour
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 100 * time.Millisecond
	}
	h := &harness{t: t, dsn: tdb.DSN, rdb: rdb, store: store, engine: New(store, testRegistry(), cfg, log)}
	t.Cleanup(h.stop) // before dbtest closes the pools
	return h
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() { h.engine.Run(ctx); close(h.done) }()
}

func (h *harness) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
		h.cancel = nil
	}
}

func (h *harness) account(kind, baseURL string, creds json.RawMessage) models.ProviderAccount {
	h.t.Helper()
	a, err := h.store.CreateProviderAccount(context.Background(), models.ProviderInput{Name: kind + h.t.Name(), Kind: kind, BaseURL: baseURL, Credentials: creds})
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

func (h *harness) campaign(acct models.ProviderAccount, typ providers.MessageType, aud models.Audience, opts draft.Options) models.Campaign {
	h.t.Helper()
	d := draft.Draft{Name: "t", ProviderID: acct.ID, Audience: aud, Options: opts,
		Message: providers.Message{Type: typ, Title: "Hello", Body: "World"}}
	c, _, err := h.engine.CreateCampaign(context.Background(), d, "test", models.Idempotency{})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) send(c models.Campaign) {
	h.t.Helper()
	if _, err := h.engine.Send(context.Background(), c.ID, "test"); err != nil {
		h.t.Fatal(err)
	}
}

// waitStatus waits until the campaign reaches one of the states.
func (h *harness) waitStatus(id int64, timeout time.Duration, want ...models.Status) models.Campaign {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := h.store.CampaignByID(context.Background(), id)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, w := range want {
			if c.Status == w {
				return c
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("campaign %d is %s (%s) after %v, want %v; totals %+v", id, c.Status, c.StatusReason, timeout, want, c.Totals())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkInvariants: every recipient has exactly one delivery row in a
// terminal state, and the counters equal the rows.
func (h *harness) checkInvariants(c models.Campaign, recipients int) map[string]int64 {
	h.t.Helper()
	var rows []struct {
		Status string
		N      int64
	}
	if err := h.store.DB().Raw(`SELECT status, COUNT(*) AS n FROM deliveries WHERE campaign_id = ? GROUP BY status`, c.ID).Scan(&rows).Error; err != nil {
		h.t.Fatal(err)
	}
	got := map[string]int64{}
	var total int64
	for _, r := range rows {
		got[r.Status] = r.N
		total += r.N
	}
	if total != int64(recipients) || got[models.DeliveryPending] != 0 {
		h.t.Errorf("delivery rows %v (total %d), want %d terminal", got, total, recipients)
	}
	want := models.Totals{Recipients: int64(recipients), Accepted: got[models.DeliveryAccepted], Invalid: got[models.DeliveryInvalid], Failed: got[models.DeliveryFailed]}
	if c.Totals() != want {
		h.t.Errorf("counters %+v, rows say %+v", c.Totals(), want)
	}
	return got
}

func cids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("cid-%06d", i)
	}
	return out
}

// TestRetriesReuseRequestID: a batch whose answer was lost is sent again
// with the same request id, and the provider's dedupe means one push.
func TestRetriesReuseRequestID(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(1200)}, draft.Options{})
	fake.FailNext(2, http.StatusServiceUnavailable)
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.checkInvariants(c, 1200)
	seen := map[string]string{}
	total := 0
	for _, task := range fake.Tasks() {
		for _, v := range task.Values {
			if prev, dup := seen[v]; dup {
				t.Errorf("%s pushed twice (%s and %s)", v, prev, task.RequestID)
			}
			seen[v] = task.RequestID
			total++
		}
	}
	if total != 1200 {
		t.Errorf("pushed %d recipients, want 1200", total)
	}
	if got := len(fake.Tasks()); got != 3 {
		t.Errorf("%d tasks, want 3 batches of ≤500", got)
	}
}

// TestWeComAllInvalidAndPartial: 81013 marks the whole batch invalid;
// invaliduser marks single users.
func TestWeComAllInvalidAndPartial(t *testing.T) {
	fake := wecomfake.New(t)
	h := newHarness(t, Config{})
	acct := h.account("wecom", fake.URL, fake.Credentials())
	users := []string{"alice", "bob", "carol"}
	fake.SetInvalidUsers("bob")
	c := h.campaign(acct, providers.TypeText, models.Audience{Kind: "cid", Values: users}, draft.Options{ErrorThreshold: 100})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	got := h.checkInvariants(c, 3)
	if got[models.DeliveryInvalid] != 1 || got[models.DeliveryAccepted] != 2 {
		t.Errorf("partial: %v", got)
	}
	fake.SetInvalidUsers("dave", "erin")
	c2 := h.campaign(acct, providers.TypeText, models.Audience{Kind: "cid", Values: []string{"dave", "erin"}}, draft.Options{ErrorThreshold: 100})
	h.send(c2)
	c2 = h.waitStatus(c2.ID, 10*time.Second, models.StatusCompleted)
	if got := h.checkInvariants(c2, 2); got[models.DeliveryInvalid] != 2 {
		t.Errorf("all invalid: %v", got)
	}
}

// TestErrorThresholdPauses: a provider refusing everything pauses the
// campaign with a reason instead of burning through the audience.
func TestErrorThresholdPauses(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 1})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	fake.FailNextCode(1000, 12006, "app not found")
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(3000)}, draft.Options{})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusPaused)
	if c.StatusReason == "" || c.Pending == 0 {
		t.Errorf("paused without a reason or after sending everything: %q %+v", c.StatusReason, c.Totals())
	}
	c, err := h.engine.Cancel(context.Background(), c.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	h.checkInvariants(c, 3000)
}

// TestPlannerResumesAfterInterruption: a plan cut short (as by kill -9)
// continues from its cursor without duplicating or losing recipients.
func TestPlannerResumesAfterInterruption(t *testing.T) {
	h := newHarness(t, Config{})
	acct := h.account("sandbox", "", json.RawMessage(`{}`))
	vals := make([]string, 0, 2500)
	for i := range 2500 {
		vals = append(vals, sandbox.CID(i))
	}
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: vals}, draft.Options{})
	ctx := context.Background()
	if _, err := h.store.Transition(ctx, c.ID, models.StatusSending, "test", ""); err != nil {
		t.Fatal(err)
	}
	// An earlier run froze the first two batches, then died.
	sorted := append([]string(nil), vals...)
	sort.Strings(sorted)
	first := []models.NewBatch{{Target: mustTarget(t), Recipients: sorted[:1000]}, {Target: mustTarget(t), Recipients: sorted[1000:2000]}}
	if err := h.store.FreezeBatches(ctx, c.ID, first, sorted[1999], false); err != nil {
		t.Fatal(err)
	}
	h.start()
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.checkInvariants(c, 2500)
	if c.PlanSeq != 3 {
		t.Errorf("plan_seq %d, want 3 batches", c.PlanSeq)
	}
}

func mustTarget(t *testing.T) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(providers.Target{Kind: providers.AudienceCID})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFairnessAcrossCampaigns: two campaigns on one account progress
// together rather than one after the other: once both are planned, claims
// take their batches in turns, so the second campaign's pushes start long
// before the first one's end.
func TestFairnessAcrossCampaigns(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 1})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	const n = 20000 // 40 batches of 500 each
	a := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, draft.Options{})
	b := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, draft.Options{})
	h.send(a)
	h.send(b)
	h.start()
	h.waitStatus(a.ID, 20*time.Second, models.StatusCompleted)
	h.waitStatus(b.ID, 20*time.Second, models.StatusCompleted)
	tasks := fake.Tasks()
	if len(tasks) != 80 {
		t.Fatalf("%d pushes, want 80", len(tasks))
	}
	// The first claim may find only one campaign planned (at most
	// feedClaim batches); after that the two alternate.
	seen := map[bool]int{}
	for _, task := range tasks[:feedClaim+20] {
		seen[containsID(task.RequestID, a.Nonce)]++
	}
	if seen[true] < 10 || seen[false] < 10 {
		t.Errorf("first %d pushes: %d of campaign a, %d of campaign b; want both progressing", feedClaim+20, seen[true], seen[false])
	}
}

func containsID(reqID, nonce string) bool { return len(reqID) > 8 && reqID[2:8] == nonce }

// TestPauseReleasesQueuedBatches: a pause takes effect on the batches the
// feeder already leased (they go back unsent, without counting an
// attempt), and a resume sends every recipient exactly once.
func TestPauseReleasesQueuedBatches(t *testing.T) {
	fake := mxfake.New(t)
	fake.SetDelay(20 * time.Millisecond) // 40 batches take ≈0.4 s with 2 workers
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	const n = 20000
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, draft.Options{})
	h.start()
	h.send(c)
	deadline := time.Now().Add(10 * time.Second)
	for len(fake.Tasks()) < 4 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := h.engine.Pause(context.Background(), c.ID, "test"); err != nil {
		t.Fatal(err)
	}
	atPause := len(fake.Tasks())
	time.Sleep(200 * time.Millisecond) // in-flight calls end; queued batches are released
	settled := len(fake.Tasks())
	time.Sleep(200 * time.Millisecond)
	if after := len(fake.Tasks()); after != settled || settled > atPause+2 {
		t.Fatalf("pushes went on after the pause: %d at the pause, %d then %d (2 workers may finish their call)", atPause, settled, after)
	}
	var leased, extra int64
	if err := h.store.DB().Raw(`SELECT count(*) FROM batches WHERE campaign_id = ? AND status = 'pending' AND lease_owner <> ''`, c.ID).Scan(&leased).Error; err != nil {
		t.Fatal(err)
	}
	if err := h.store.DB().Raw(`SELECT coalesce(sum(attempts), 0) - count(*) FROM batches WHERE campaign_id = ? AND status = 'done'`, c.ID).Scan(&extra).Error; err != nil {
		t.Fatal(err)
	}
	if leased != 0 || extra != 0 {
		t.Errorf("after the pause: %d batches still leased, %d extra attempts on sent batches", leased, extra)
	}
	if _, err := h.engine.Resume(context.Background(), c.ID, "test"); err != nil {
		t.Fatal(err)
	}
	c = h.waitStatus(c.ID, 20*time.Second, models.StatusCompleted)
	h.checkInvariants(c, n)
	pushedOnce(t, fake, n)
	var attempts int64
	if err := h.store.DB().Raw(`SELECT sum(attempts) FROM batches WHERE campaign_id = ?`, c.ID).Scan(&attempts).Error; err != nil {
		t.Fatal(err)
	}
	if attempts != n/500 {
		t.Errorf("%d attempts for %d batches: released batches were counted as attempts", attempts, n/500)
	}
}
