package dispatch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// TestWebhookDeviceInvalidAndBatchFailed: WeCom's invaliduser marks one
// registered device (one device.invalid); its 81013 answer ends a whole
// batch invalid (batch.failed, and device.invalid for each registered
// device of it, none for a recipient not in the registry).
func TestWebhookDeviceInvalidAndBatchFailed(t *testing.T) {
	fake := wecomfake.New(t)
	h := newHarness(t, Config{})
	rc := newReceiver(t, nil)
	rc.endpoint(h.store, models.EventDeviceInvalid, models.EventBatchFailed)
	runWebhooks(t, h.store, WebhookConfig{})
	acct := h.account("wecom", fake.URL, fake.Credentials())
	if _, err := h.store.ImportCSV(context.Background(), acct.ID, strings.NewReader("cid\nalice\nbob\ncarol\ndave\n"), models.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	h.start()
	fake.SetInvalidUsers("bob")
	c := h.campaign(acct, providers.TypeText, models.Audience{Kind: "cid", Values: []string{"alice", "bob", "carol"}}, draft.Options{ErrorThreshold: 100})
	h.send(c)
	h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	fake.SetInvalidUsers("dave", "zed")
	c2 := h.campaign(acct, providers.TypeText, models.Audience{Kind: "cid", Values: []string{"dave", "zed"}}, draft.Options{ErrorThreshold: 100})
	h.send(c2)
	h.waitStatus(c2.ID, 10*time.Second, models.StatusCompleted)

	waitFor(t, 5*time.Second, "three events", func() bool { return len(rc.received()) >= 3 })
	time.Sleep(100 * time.Millisecond) // nothing more may come
	invalid := map[string]bool{}
	ids := map[string]bool{}
	failed := 0
	for _, b := range rc.received() {
		ids[b.ID] = true
		switch b.Type {
		case models.EventDeviceInvalid:
			invalid[b.Data["cid"].(string)] = true
			if b.Data["provider_id"] != float64(acct.ID) || b.Data["reason"] == "" {
				t.Errorf("device.invalid data %+v", b.Data)
			}
		case models.EventBatchFailed:
			failed++
			if b.Data["campaign_id"] != float64(c2.ID) || b.Data["status"] != models.DeliveryInvalid {
				t.Errorf("batch.failed data %+v", b.Data)
			}
		}
	}
	if len(rc.received()) != 3 || !invalid["bob"] || !invalid["dave"] || failed != 1 || len(ids) != 3 {
		t.Errorf("received %+v; want device.invalid for bob and dave (not zed, who is not registered) and one batch.failed", rc.received())
	}
}

// TestWebhookOutboxDepthMetric: the engine's registry serves the number of
// deliveries waiting.
func TestWebhookOutboxDepthMetric(t *testing.T) {
	h := newHarness(t, Config{})
	e, _, err := h.store.CreateWebhook(context.Background(), models.WebhookInput{URL: "https://hooks.example.com/", Events: models.WebhookEventTypes()})
	if err != nil {
		t.Fatal(err)
	}
	w := NewWebhooks(h.store, WebhookConfig{}, nil)
	if err := w.RegisterMetrics(h.engine.Metrics()); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := h.store.EmitTestWebhook(context.Background(), e.ID); err != nil {
			t.Fatal(err)
		}
	}
	mfs, err := h.engine.Metrics().Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "pushdeck_webhook_outbox_depth" {
			if v := mf.GetMetric()[0].GetGauge().GetValue(); v != 3 {
				t.Errorf("depth %v, want 3", v)
			}
			return
		}
	}
	t.Error("no pushdeck_webhook_outbox_depth series")
}
