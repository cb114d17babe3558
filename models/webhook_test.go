package models

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func mustCreateWebhook(t testing.TB, s *Store, events ...string) (WebhookEndpoint, string) {
	t.Helper()
	e, secret, err := s.CreateWebhook(context.Background(), WebhookInput{URL: "https://hooks.example.com/in", Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return e, secret
}

func TestCreateWebhookValidates(t *testing.T) {
	s := mustOpenStore(t)
	tests := []struct {
		name  string
		in    WebhookInput
		field string
	}{
		{"no url", WebhookInput{Events: []string{EventCampaignStarted}}, "url"},
		{"ftp", WebhookInput{URL: "ftp://x.example.com", Events: []string{EventCampaignStarted}}, "url"},
		{"no host", WebhookInput{URL: "https:///path", Events: []string{EventCampaignStarted}}, "url"},
		{"user info", WebhookInput{URL: "https://u:p@x.example.com/", Events: []string{EventCampaignStarted}}, "url"},
		{"query", WebhookInput{URL: "https://x.example.com/?a=1", Events: []string{EventCampaignStarted}}, "url"},
		{"fragment", WebhookInput{URL: "https://x.example.com/#f", Events: []string{EventCampaignStarted}}, "url"},
		{"too long", WebhookInput{URL: "https://x.example.com/" + strings.Repeat("a", MaxWebhookURL), Events: []string{EventCampaignStarted}}, "url"},
		{"no event", WebhookInput{URL: "https://x.example.com/"}, "events"},
		{"unknown event", WebhookInput{URL: "https://x.example.com/", Events: []string{"campaign.exploded"}}, "events"},
		{"test event is not subscribable", WebhookInput{URL: "https://x.example.com/", Events: []string{EventTest}}, "events"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.CreateWebhook(context.Background(), tc.in)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field].ID == "" {
				t.Fatalf("err = %v, want a field error on %s", err, tc.field)
			}
		})
	}
	if es, err := s.ListWebhooks(context.Background()); err != nil || len(es) != 0 {
		t.Errorf("refused creates wrote %d endpoints (%v)", len(es), err)
	}
}

func TestWebhookLimitAndSealedSecret(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	e, secret := mustCreateWebhook(t, s, EventCampaignStarted)
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	var stored []byte
	if err := s.DB().Raw(`SELECT secret FROM webhook_endpoints WHERE id = ?`, e.ID).Row().Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(secret)) || bytes.Contains(stored, []byte(secret[6:])) {
		t.Error("the secret is stored in the clear")
	}
	got, err := s.WebhookSecret(e)
	if err != nil || got != secret {
		t.Errorf("opened %q, %v; want the created secret", got, err)
	}
	for i := 1; i < MaxWebhookEndpoints; i++ {
		mustCreateWebhook(t, s, EventCampaignStarted)
	}
	_, _, err = s.CreateWebhook(ctx, WebhookInput{URL: "https://x.example.com/", Events: []string{EventCampaignStarted}})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["url"].ID != "webhooks.err_too_many" {
		t.Errorf("endpoint %d: err = %v, want the limit", MaxWebhookEndpoints+1, err)
	}
}

// outbox reads the outbox rows of an event type (test inspection only).
func outbox(t *testing.T, s *Store, typ string) []WebhookDelivery {
	t.Helper()
	var ds []WebhookDelivery
	if err := s.DB().Where("type = ?", typ).Order("id").Find(&ds).Error; err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestTransitionsEmitToSubscribers(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	all, _ := mustCreateWebhook(t, s, WebhookEventTypes()...)
	onlyPaused, _ := mustCreateWebhook(t, s, EventCampaignPaused)
	off, _ := mustCreateWebhook(t, s, WebhookEventTypes()...)
	disabled := true
	if _, err := s.UpdateWebhook(ctx, off.ID, WebhookUpdate{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "cid", Values: []string{"a"}})
	for _, to := range []Status{StatusSending, StatusPaused, StatusSending, StatusCancelled} {
		if _, err := s.Transition(ctx, c.ID, to, "test", "why"); err != nil {
			t.Fatal(err)
		}
	}
	started := outbox(t, s, EventCampaignStarted)
	if len(started) != 1 || started[0].EndpointID != all.ID {
		t.Fatalf("started rows %+v, want one for endpoint %d (a resume is not a start)", started, all.ID)
	}
	paused := outbox(t, s, EventCampaignPaused)
	if len(paused) != 2 || paused[0].EventID != paused[1].EventID {
		t.Fatalf("paused rows %+v, want one event for two endpoints", paused)
	}
	for _, d := range paused {
		if d.EndpointID == off.ID {
			t.Error("a disabled endpoint got the event")
		}
	}
	_ = onlyPaused
	var body WebhookBody
	if err := json.Unmarshal([]byte(started[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	if body.ID != started[0].EventID || body.Type != EventCampaignStarted || body.Data["campaign_id"] != float64(c.ID) || body.CreatedAt.IsZero() {
		t.Errorf("body %+v", body)
	}
}

// TestEmitRollsBackWithTheChange: the event is written in the change's
// transaction, so a change that does not commit announces nothing.
func TestEmitRollsBackWithTheChange(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	mustCreateWebhook(t, s, EventCampaignStarted)
	c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "cid", Values: []string{"a"}})
	boom := errors.New("boom")
	err := s.WithTx(ctx, func(tx *Store) error {
		if _, err := tx.transitionLoaded(ctx, c, StatusSending, "test", ""); err != nil {
			return err
		}
		if n := len(outbox(t, tx, EventCampaignStarted)); n != 1 {
			t.Errorf("inside the transaction: %d rows", n)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n := len(outbox(t, s, EventCampaignStarted)); n != 0 {
		t.Errorf("%d event rows survived the rollback", n)
	}
}

func TestWebhookClaimRecordPrune(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	e, _ := mustCreateWebhook(t, s, EventImportFinished)
	for i := range 60 {
		if err := s.EmitWebhook(ctx, EventImportFinished, map[string]any{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := s.ClaimWebhookDeliveries(ctx, WebhookClaim{Owner: "me", Limit: 100, Lease: time.Minute})
	if err != nil || len(ds) != 60 {
		t.Fatalf("claimed %d (%v)", len(ds), err)
	}
	if again, _ := s.ClaimWebhookDeliveries(ctx, WebhookClaim{Owner: "other", Limit: 100, Lease: time.Minute}); len(again) != 0 {
		t.Errorf("leased rows claimed again: %d", len(again))
	}
	for _, d := range ds {
		if err := s.RecordWebhookAttempt(ctx, d, WebhookAttempt{Status: 200, State: WebhookDelivered, Next: s.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordWebhookAttempt(ctx, ds[0], WebhookAttempt{State: WebhookDelivered}); !errors.Is(err, ErrConflict) {
		t.Errorf("second record: %v, want a conflict", err)
	}
	if n, err := s.PruneWebhookLog(ctx, 50); err != nil || n != 10 {
		t.Errorf("pruned %d (%v), want 10", n, err)
	}
	log, err := s.WebhookLog(ctx, e.ID, 100)
	if err != nil || len(log) != 50 || log[0].ID != ds[59].ID {
		t.Errorf("log has %d rows (%v), newest first", len(log), err)
	}
	if depth, err := s.WebhookOutboxDepth(ctx); err != nil || depth != 0 {
		t.Errorf("depth %d (%v)", depth, err)
	}
}

func TestDeviceInvalidAndTestEvents(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	e, _ := mustCreateWebhook(t, s, EventDeviceInvalid)
	if err := s.WithTx(ctx, func(tx *Store) error { return tx.EmitDeviceInvalid(ctx, 1, "cid-1", "410: gone") }); err != nil {
		t.Fatal(err)
	}
	if got := outbox(t, s, EventDeviceInvalid); len(got) != 1 || !strings.Contains(got[0].Body, `"cid":"cid-1"`) {
		t.Errorf("device.invalid rows %+v", got)
	}
	id, err := s.EmitTestWebhook(ctx, e.ID)
	if err != nil || !strings.HasPrefix(id, "evt_") {
		t.Fatalf("test event %q, %v", id, err)
	}
	if _, err := s.EmitTestWebhook(ctx, e.ID+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("test event for no endpoint: %v", err)
	}
	if err := s.DeleteWebhook(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.WebhookOutboxDepth(ctx); n != 0 {
		t.Errorf("%s: deleting the endpoint left %d deliveries", fmt.Sprint(e.ID), n)
	}
}

func TestImportFinishedEvent(t *testing.T) {
	s := mustOpenStore(t)
	mustCreateWebhook(t, s, EventImportFinished)
	a := mustCreateAccount(t, s)
	if _, err := s.ImportCSV(context.Background(), a.ID, strings.NewReader("cid,platform\nc1,ios\nc2,android\n,ios\n"), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	got := outbox(t, s, EventImportFinished)
	if len(got) != 1 || !strings.Contains(got[0].Body, `"imported":2`) || !strings.Contains(got[0].Body, `"rejected":1`) {
		t.Errorf("import.finished rows %+v", got)
	}
}
