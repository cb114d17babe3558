package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

// TestJPushAccountJourney: an operator adds a JPush account through the
// generic provider form (the kind's own credential fields, both required,
// the master secret a password field), its connection test passes against
// the JPush fake without pushing anything, a campaign to three
// registration ids sent through the API reaches each of them once, and
// JPush's report becomes the campaign's figures.
func TestJPushAccountJourney(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	key := srv.adminAndKey(adminEmail, adminPassword)
	fake := jpushfake.New(t)
	srv.start()

	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)
	b.open("/providers/new?kind=jpush")
	form := `[data-testid="provider-form"]`
	b.check("the JPush credential fields", b.count(form+` [name="credentials.app_key"][required]`) == 1 &&
		b.count(form+` input[type="password"][name="credentials.master_secret"][required]`) == 1,
		"app_key / master_secret fields missing")
	b.fill("name, base URL and credentials", form, map[string]string{
		"name": "JPush", "base_url": fake.URL(),
		"credentials.app_key": fake.AppKey(), "credentials.master_secret": jpushfake.DefaultMasterSecret})
	status := b.submit("save the account", `[data-testid="provider-save"]`)
	b.check("saved", status == http.StatusOK && b.path() == "/providers", "landed on %s with %d", b.path(), status)
	id := eval[string](b, "the JPush row", `[...document.querySelectorAll('[data-testid="provider-row"]')]
		.filter(r => r.querySelector('[data-testid="provider-kind"]').innerText.trim() === "JPush").map(r => r.dataset.id)[0] || ""`)
	b.check("a JPush row", id != "", "no provider row of kind JPush")
	row := fmt.Sprintf(`[data-testid="provider-row"][data-id="%s"]`, id)
	b.click("test the connection", row+` [data-testid="provider-test"]`)
	b.waitFor("the test passes", fmt.Sprintf(`(document.querySelector(%s) || {dataset: {}}).dataset.ok === "true"`,
		jsString(row+` [data-testid="test-result"]`)), 20*time.Second)
	b.check("the test pushed nothing", len(fake.RequestsTo(jpushfake.PathCID)) == 1 && len(fake.Pushes()) == 0,
		"%d cid calls, %d pushes", len(fake.RequestsTo(jpushfake.PathCID)), len(fake.Pushes()))
	b.shot("jpush-account")

	var c struct {
		ID int64 `json:"id"`
	}
	pid, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"name": "JPush hello", "provider_id": pid, "audience": map[string]any{"kind": "cid", "values": []string{"rid-1", "rid-2", "rid-3"}},
		"message": map[string]any{"type": "notification", "title": "Hello", "body": "From JPush", "options": map[string]any{"platform": "android"}}}
	if code := srv.api(http.MethodPost, "/api/v1/campaigns", key, body, &c); code != http.StatusCreated {
		t.Fatalf("create the campaign: %d", code)
	}
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", c.ID), key, nil, nil); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	deadline := time.Now().Add(20 * time.Second)
	for srv.campaignStatus(key, c.ID) != "completed" {
		if time.Now().After(deadline) {
			t.Fatalf("campaign is %s", srv.campaignStatus(key, c.ID))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, rid := range []string{"rid-1", "rid-2", "rid-3"} {
		if got := fake.Deliveries(rid); len(got) != 1 {
			t.Errorf("%s received %v, want one push", rid, got)
		}
	}
	// The engine polls JPush's report for the push: its figures become
	// the campaign's channel lines.
	var stats struct {
		Channels []struct {
			Channel  string `json:"channel"`
			Received int64  `json:"received"`
		} `json:"channels"`
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/stats", c.ID), key, nil, &stats)
		if len(stats.Channels) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(stats.Channels) != 1 || stats.Channels[0].Channel != "jpush" || stats.Channels[0].Received != 3 ||
		len(fake.RequestsTo(jpushfake.PathReceived)) == 0 {
		t.Errorf("stats channels %+v after %d report calls", stats.Channels, len(fake.RequestsTo(jpushfake.PathReceived)))
	}
	if ps := fake.Pushes(); len(ps) != 1 || !strings.Contains(string(ps[0].Body), `"platform":["android"]`) {
		t.Errorf("pushes %+v", ps)
	}
}
