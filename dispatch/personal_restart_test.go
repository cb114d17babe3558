package dispatch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/fcm"
	"github.com/pushdeck/pushdeck/providers/jpush"
	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// TestPersonalizedRestartNoDedupe: a personalized FCM campaign (no
// request ids, no de-duplication) whose engine stops in the middle of a
// batch, as a kill would stop it, and starts again: the parts answered
// before the stop are not sent again, the parts that never left are sent,
// and the parts in flight at the stop (their outcome unknown) end failed
// with no_dedupe rather than risk a second delivery. Every recipient is
// delivered at most once, every accepted one exactly once.
func TestPersonalizedRestartNoDedupe(t *testing.T) {
	const n = 600
	fake := fcmfake.New(t)
	fake.SetDelay(5 * time.Millisecond)
	spec := fcm.Spec()
	spec.New = func(cfg providers.Config) (providers.Provider, error) {
		cfg.HTTPClient = fake.Client()
		return fcm.New(cfg)
	}
	reg := providers.Registry{fcm.Kind: spec}
	h := newHarness(t, Config{Workers: 1})
	h.engine = New(h.store, reg, h.engine.cfg, h.engine.log)
	acct := h.account(string(fcm.Kind), fake.URL, fake.Credentials())
	names := registerNamed(t, h, acct, n)
	d := draft.Draft{Name: "personal", ProviderID: acct.ID, Audience: *everyDevice(),
		Message: providers.Message{Type: providers.TypeNotification, Title: "Hi {{ name }}", Body: "b"}, Options: draft.Options{ErrorThreshold: 100}}
	ctx := context.Background()
	c, _, err := h.engine.CreateCampaign(ctx, d, "test", models.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send(c)
	deadline := time.Now().Add(30 * time.Second)
	for fake.Stats().Calls < n/4 {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls after 30s", fake.Stats().Calls)
		}
		time.Sleep(time.Millisecond)
	}
	h.stop() // mid-batch: calls in flight are cut, their answers never come
	var journaled int64
	if err := h.store.DB().Raw(`SELECT COUNT(*) FROM batch_parts`).Scan(&journaled).Error; err != nil {
		t.Fatal(err)
	}
	if journaled == 0 {
		t.Fatal("no part journaled before the stop")
	}
	before := fake.Stats().Calls
	h.engine = New(h.store, reg, h.engine.cfg, h.engine.log)
	h.start()
	c = h.waitStatus(c.ID, 60*time.Second, models.StatusCompleted)
	got := h.checkInvariants(c, n)

	var rows []models.Delivery
	if err := h.store.DB().Where("campaign_id = ?", c.ID).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	codes := map[string]int{}
	for _, r := range rows {
		ds := fake.Deliveries(r.Recipient)
		if len(ds) > 1 {
			t.Fatalf("%s delivered %d times", r.Recipient, len(ds))
		}
		if r.Status == models.DeliveryAccepted {
			if len(ds) != 1 || ds[0].Title != "Hi "+names[r.Recipient] {
				t.Fatalf("%s accepted, delivered %v", r.Recipient, ds)
			}
			continue
		}
		codes[r.Code]++
		if r.Code != CodeNoDedupe {
			t.Errorf("%s %s %s: %s", r.Recipient, r.Status, r.Code, r.Message)
		}
	}
	// One worker has at most personalConcurrency calls in flight.
	if codes[CodeNoDedupe] > personalConcurrency || got[models.DeliveryAccepted] < n-personalConcurrency {
		t.Errorf("outcomes %v, failures %v; want at most %d in doubt", got, codes, personalConcurrency)
	}
	if calls := fake.Stats().Calls; calls > n {
		t.Errorf("%d calls for %d recipients (%d before the stop): a part was sent twice", calls, n, before)
	}
	if err := h.store.DB().Raw(`SELECT COUNT(*) FROM batch_parts`).Scan(&journaled).Error; err != nil || journaled != 0 {
		t.Errorf("%d journal rows left after the campaign completed (%v)", journaled, err)
	}
	t.Logf("stopped after %d calls; outcomes %v, failures %v", before, got, codes)
}

// registerNamed registers n devices, each with a name of its own (so a
// personalized text per recipient), and returns the names by cid.
func registerNamed(t *testing.T, h *harness, acct models.ProviderAccount, n int) map[string]string {
	t.Helper()
	names := make(map[string]string, n)
	in := make([]models.DeviceInput, 0, n)
	for i := range n {
		cid := fmt.Sprintf("cid-%06d", i)
		names[cid] = fmt.Sprintf("N%d", i)
		attrs := models.Attributes{"name": names[cid]}
		in = append(in, models.DeviceInput{CID: cid, Attributes: &attrs})
	}
	for lo := 0; lo < n; lo += models.MaxDeviceBatch {
		if _, err := h.store.UpsertDevices(context.Background(), acct.ID, in[lo:min(lo+models.MaxDeviceBatch, n)]); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// TestPersonalizedReportsEveryTask: a personalized MX campaign whose
// recipients each get their own text is one task per recipient; its
// report sums every task (read in pages, polled in calls of the
// provider's report limit), so the figures count every recipient.
func TestPersonalizedReportsEveryTask(t *testing.T) {
	n := 1200 // over one page of task ids
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 4})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	ctx := context.Background()
	registerNamed(t, h, acct, n)
	d := draft.Draft{Name: "personal", ProviderID: acct.ID, Audience: models.Audience{Kind: "all"},
		Message: providers.Message{Type: providers.TypeNotification, Title: "Hi {{ name }}", Body: "b"}}
	c, _, err := h.engine.CreateCampaign(ctx, d, "test", models.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 60*time.Second, models.StatusCompleted)
	if got := h.checkInvariants(c, n); got[models.DeliveryAccepted] != int64(n) {
		t.Fatalf("outcomes %v", got)
	}
	if len(fake.Tasks()) != n {
		t.Fatalf("%d tasks, want one per recipient", len(fake.Tasks()))
	}
	ids, err := h.store.CampaignTaskIDs(ctx, c.ID)
	if err != nil || len(ids) != n {
		t.Fatalf("%d task ids kept (%v), want %d", len(ids), err, n)
	}
	// The engine polls a campaign that completes: stopped, it leaves the
	// poll below the only one.
	h.stop()
	polls := len(fake.RequestsTo("/push/task/detail"))
	h.engine.PollCampaign(ctx, c)
	fig, err := h.engine.CampaignFigures(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fig.Total.Target != int64(n) || fig.Total.Received != int64(n) {
		t.Errorf("figures %+v, want %d targets and received", fig.Total, n)
	}
	if calls := len(fake.RequestsTo("/push/task/detail")) - polls; calls != (n+99)/100 {
		t.Errorf("%d report calls, want %d", calls, (n+99)/100)
	}
}

// TestPersonalizedRestartDedupeWindow: a personalized JPush campaign
// (de-duplication by a cid JPush issues) whose engine stops while a part's
// push was carried out but its answer had not come: after the restart the
// part goes again with the cid kept in the journal, JPush answers it as a
// repeat, and every device is shown its text exactly once, all accepted.
func TestPersonalizedRestartDedupeWindow(t *testing.T) {
	const n = 400
	fake := jpushfake.New(t)
	fake.LoseAnswerNext(1, jpushfake.Loss{Hang: 20 * time.Second})
	reg := providers.Registry{jpush.Kind: jpush.Spec()}
	h := newHarness(t, Config{Workers: 1})
	h.engine = New(h.store, reg, h.engine.cfg, h.engine.log)
	acct := h.account(string(jpush.Kind), fake.URL(), fake.Credentials())
	// Two texts: two list pushes.
	in := make([]models.DeviceInput, n)
	for i := range in {
		attrs := models.Attributes{"name": []string{"Ann", "Bob"}[i%2]}
		in[i] = models.DeviceInput{CID: fmt.Sprintf("cid-%06d", i), Attributes: &attrs}
	}
	ctx := context.Background()
	if _, err := h.store.UpsertDevices(ctx, acct.ID, in); err != nil {
		t.Fatal(err)
	}
	d := draft.Draft{Name: "personal", ProviderID: acct.ID, Audience: models.Audience{Kind: "all"},
		Message: providers.Message{Type: providers.TypeNotification, Title: "Hi {{ name }}", Body: "b"}, Options: draft.Options{ErrorThreshold: 100}}
	c, _, err := h.engine.CreateCampaign(ctx, d, "test", models.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send(c)
	deadline := time.Now().Add(30 * time.Second)
	for len(fake.Pushes()) < 2 { // one carried out with its answer hanging
		if time.Now().After(deadline) {
			t.Fatalf("%d pushes after 30s", len(fake.Pushes()))
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the other part's answer is recorded
	h.stop()
	var inFlight int64
	if err := h.store.DB().Raw(`SELECT COUNT(*) FROM batch_parts WHERE answer IS NULL AND provider_key <> ''`).Scan(&inFlight).Error; err != nil || inFlight != 1 {
		t.Fatalf("%d parts in flight with their cid at the stop (%v), want 1", inFlight, err)
	}
	h.engine = New(h.store, reg, h.engine.cfg, h.engine.log)
	h.start()
	c = h.waitStatus(c.ID, 60*time.Second, models.StatusCompleted)
	if got := h.checkInvariants(c, n); got[models.DeliveryAccepted] != n {
		t.Fatalf("outcomes %v, want all accepted", got)
	}
	for id, k := range fake.DeliveryCounts() {
		if k != 1 {
			t.Fatalf("%s shown %d times", id, k)
		}
	}
	if got := len(fake.DeliveryCounts()); got != n {
		t.Fatalf("%d devices reached, want %d", got, n)
	}
	if pushes := len(fake.Pushes()); pushes != 2 {
		t.Errorf("%d pushes carried out, want 2", pushes)
	}
}
