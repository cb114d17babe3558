package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// productFixture is what buildProductDB made, and what the copy must
// answer for in the same way.
type productFixture struct {
	email, password string
	session, apiKey string
	accounts        []int64
	webhooks        []int64
	sent, draft     int64
	segment         int64
	tags            []string
}

// lockedKey is a login throttle key locked for an hour.
const lockedKey = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// fixtureDevices is the fleet of the realistic database: enough to fill
// several tag blocks of 1,024 device ids.
const fixtureDevices = 3000

// buildProductDB makes a realistic SQLite database the way the product
// does (the store and the engine, the key file beside the database, as
// `pushdeck serve` would): an operator with a session and a login failure,
// the expired instance row of a killed server and its console imports,
// an API key, two provider accounts with sealed credentials, devices with
// tags, attributes and time zones, a segment, a template, a webhook
// endpoint (and the events its outbox collects), a recurring definition,
// a campaign sent through the sandbox to completion with its batches,
// deliveries and report snapshots, and a draft.
func buildProductDB(t *testing.T, path string) productFixture {
	t.Helper()
	ctx := t.Context()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, _, closeDB, err := openStore(ctx, Config{DB: path}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := closeDB(); err != nil {
			t.Error(err)
		}
	}()
	f := productFixture{email: "ops@example.com", password: "correct horse battery", tags: []string{"vip", "beta", "t0", "t3"}}
	u, err := store.CreateUser(ctx, models.NewUser{Email: f.email, Password: f.password, Role: models.RoleAdmin})
	must(t, err)
	f.session, _, err = store.CreateSession(ctx, u.ID, time.Hour, "192.0.2.1", "migrate-test")
	must(t, err)
	_, err = store.RecordLoginFailure(ctx, lockedKey, models.Throttle{MaxFailures: 1, Window: time.Hour, Lockout: time.Hour})
	must(t, err)
	_, f.apiKey, err = store.CreateAPIKey(ctx, "ci", models.RoleOperator, &u.ID)
	must(t, err)
	accts, err := store.ListProviderAccounts(ctx)
	must(t, err)
	mx, err := store.CreateProviderAccount(ctx, models.ProviderInput{Name: "MX", Kind: string(providers.KindMXPush),
		BaseURL: "https://mx.example.com", Credentials: json.RawMessage(`{"app_id":"app-1","access_token":"tok-secret"}`), RateLimit: 25})
	must(t, err)
	f.accounts = []int64{accts[0].ID, mx.ID}
	for _, acct := range f.accounts {
		_, err := store.UpsertDevices(ctx, acct, fixtureFleet(fixtureDevices))
		must(t, err)
	}
	sg, err := store.CreateSegment(ctx, models.SegmentInput{Name: "gold vips", Actor: f.email,
		Tree: json.RawMessage(`{"op":"and","items":[{"field":"tag","op":"in","values":["vip"]},{"field":"attr.plan","op":"in","values":["gold"]}]}`)})
	must(t, err)
	f.segment = sg.ID
	_, err = store.CreateTemplate(ctx, models.TemplateInput{Name: "Welcome", Kind: string(providers.KindSandbox), Actor: f.email,
		Message: json.RawMessage(`{"type":"notification","title":"Hi","body":"Welcome aboard"}`)})
	must(t, err)
	wh, _, err := store.CreateWebhook(ctx, models.WebhookInput{URL: "https://hooks.example.com/pushdeck",
		Events: []string{models.EventCampaignStarted, models.EventCampaignCompleted}})
	must(t, err)
	f.webhooks = []int64{wh.ID}
	must(t, store.Audit(ctx, models.AuditEntry{Actor: f.email, Action: "provider.create", Target: "MX", IP: "192.0.2.1"}))
	// The row a killed server leaves, its heartbeat expired.
	must(t, store.Heartbeat(ctx, models.Instance{ID: "sqlite-1", Host: "old-host", PID: 7}, -time.Second))
	// Console imports: one that failed on its file, one the killed server
	// left running. Both were written a minute ago, so the running one reads
	// as interrupted from the first question on, on both stores (written
	// now, it would turn interrupted while the test runs).
	then := store.Now().Add(-time.Minute)
	past := store.WithClock(func() time.Time { return then })
	failed, err := past.CreateImportJob(ctx, models.ImportJobInput{ProviderID: f.accounts[1], FileName: "fleet.csv", Size: 10, StartedBy: f.email, InstanceID: "sqlite-1"})
	must(t, err)
	_, err = past.FinishImportJob(ctx, failed.ID, models.ImportProgress{Bytes: 10},
		&models.ValidationError{Fields: map[string]models.FieldError{"header": {ID: "err.csv_syntax", Data: map[string]any{"Line": 1}}}})
	must(t, err)
	left, err := past.CreateImportJob(ctx, models.ImportJobInput{ProviderID: f.accounts[0], FileName: "更多设备.csv", Size: 1 << 20, StartedBy: f.email, InstanceID: "sqlite-1"})
	must(t, err)
	must(t, past.UpdateImportProgress(ctx, left.ID, models.ImportProgress{Bytes: 4096, Rows: 40, Result: models.ImportResult{
		UpsertResult: models.UpsertResult{Imported: 39}, RejectedTotal: 1,
		Rejected: []models.Rejection{{Line: 12, Field: "platform", FieldError: models.FieldError{ID: "err.choice"}}}}}))
	f.sent, f.draft = sendFixtureCampaign(t, store, f.accounts[0], log)
	return f
}

// fixtureFleet is n devices with tags, attributes, time zones and a few
// opted out, in a pattern the audience counts can tell apart.
func fixtureFleet(n int) []models.DeviceInput {
	out := make([]models.DeviceInput, n)
	platforms := []string{"ios", "android", "other"}
	plans := []string{"gold", "silver", "free"}
	zones := []string{"Asia/Shanghai", "Europe/Berlin", ""}
	for i := range out {
		tags := []string{fmt.Sprintf("t%d", i%7)}
		if i%3 == 0 {
			tags = append(tags, "vip")
		}
		if i%10 == 0 {
			tags = append(tags, "beta")
		}
		attrs := models.Attributes{"plan": plans[i%len(plans)], "score": fmt.Sprint(i % 100)}
		out[i] = models.DeviceInput{CID: fmt.Sprintf("cid-%06d", i), Alias: ptr(fmt.Sprintf("alias-%d", i%500)),
			Platform: ptr(platforms[i%len(platforms)]), Region: ptr([]string{"Beijing", "Shanghai"}[i%2]),
			Timezone: ptr(zones[i%len(zones)]), Tags: &tags, Attributes: &attrs, OptedOut: ptr(i%50 == 49)}
	}
	return out
}

// sendFixtureCampaign sends a listed campaign through the sandbox with the
// real engine until it completes and a report snapshot is stored, starts a
// recurring definition, and leaves a segment draft unsent.
func sendFixtureCampaign(t *testing.T, store *models.Store, acct int64, log *slog.Logger) (sent, drafted int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	eng := dispatch.New(store, Registry(), dispatch.Config{Idle: 10 * time.Millisecond, PollEvery: 50 * time.Millisecond,
		BackoffBase: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond}, log)
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	cids := make([]string, 1500)
	for i := range cids {
		cids[i] = fmt.Sprintf("cid-%06d", i*2)
	}
	msg := providers.Message{Type: providers.TypeNotification, Title: "Spring", Body: "Sale"}
	// Personalized: each batch goes as one request per plan, and their
	// tasks are kept apart (batch_tasks).
	personal := msg
	personal.Title = `Spring for {{ plan | default: "you" }}`
	c, _, err := eng.CreateCampaign(ctx, draft.Draft{Name: "spring", ProviderID: acct, Group: "spring",
		Audience: models.Audience{Kind: "cid", Values: cids}, Message: personal}, "test", models.Idempotency{Key: "spring-1"})
	must(t, err)
	_, err = eng.Send(ctx, c.ID, "test")
	must(t, err)
	d, _, err := eng.CreateCampaign(ctx, draft.Draft{Name: "later", ProviderID: acct,
		Audience: models.Audience{Kind: "tag", Values: []string{"vip", "beta"}}, Message: msg}, "test", models.Idempotency{})
	must(t, err)
	_, err = eng.CreateRecurring(ctx, draft.Draft{Name: "daily", ProviderID: acct, Audience: models.Audience{Kind: "cid", Values: cids[:3]}, Message: msg},
		dispatch.RepeatRule{Every: "daily", At: "09:00", Timezone: "Asia/Shanghai"}, "test")
	must(t, err)
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := store.CampaignByID(ctx, c.ID)
		must(t, err)
		_, _, snapErr := store.LatestSnapshot(ctx, c.ID)
		if got.Status == models.StatusCompleted && snapErr == nil {
			if ids, err := store.CampaignTaskIDs(ctx, c.ID); err != nil || len(ids) <= 3 {
				t.Fatalf("the personalized campaign kept %d task ids (%v), want one per plan and batch", len(ids), err)
			}
			return c.ID, d.ID
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %d is %s after 30s (snapshot: %v)", c.ID, got.Status, snapErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
