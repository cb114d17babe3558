package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// TestSandboxFirstSend is the journey README promises a newcomer: import a
// CSV of devices (not the seeded fleet) for the Sandbox account, build a
// segment, send to it: the campaign completes with every recipient
// accepted under the green badge, and a test send to an imported device is
// accepted too. A campaign the sandbox accepted nobody of is not green.
func TestSandboxFirstSend(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	key := app.apiKey(models.RoleOperator)
	pid := app.sandboxID()

	var csv strings.Builder
	csv.WriteString("cid,alias,platform,region,tags\n")
	vip := 0
	for i := range 310 {
		tags := "news"
		if i%3 == 0 {
			tags, vip = "vip;news", vip+1
		}
		fmt.Fprintf(&csv, "0f3a%04dc9e1b7,user%d,android,Zhejiang,%s\n", i, i, tags)
	}
	m := apiOK(t)(app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/devices/import?provider_id=%d", pid), key, csv.String(), map[string]string{"Content-Type": "text/csv"}))
	if m["imported"] != 310.0 {
		t.Fatalf("import: %v", m)
	}
	resp, body := app.apiDo(http.MethodPost, "/api/v1/segments", key, `{"name":"vip","tree":{"field":"tag","op":"in","values":["vip"]}}`, nil)
	seg := apiJSON(t, resp, body, http.StatusCreated)

	draft := fmt.Sprintf(`{"name":"First send","provider_id":%d,"audience":{"kind":"segment","values":["%v"]},
		"message":{"type":"notification","title":"Hello","body":"Welcome"}}`, pid, seg["id"])
	resp, body = app.apiDo(http.MethodPost, "/api/v1/campaigns", key, draft, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	path := fmt.Sprintf("/api/v1/campaigns/%d", decodeCampaign(t, body).ID)

	m = apiOK(t)(app.apiDo(http.MethodPost, path+"/test", key, `{"cids":["0f3a0001c9e1b7"]}`, nil))
	if items, _ := m["items"].([]any); len(items) != 1 || items[0].(map[string]any)["status"] != "accepted" {
		t.Errorf("test send to an imported device: %v", m)
	}

	apiOK(t)(app.apiDo(http.MethodPost, path+"/send", key, "", nil))
	var got apiCampaignBody
	eventually(t, 10*time.Second, "the end", func() bool {
		_, body = app.apiDo(http.MethodGet, path, key, "", nil)
		got = decodeCampaign(t, body)
		return got.Status == string(models.StatusCompleted) || got.Status == string(models.StatusFailed)
	})
	if got.Status != string(models.StatusCompleted) || got.Totals.Accepted != int64(vip) || got.Totals.Invalid != 0 || got.Totals.Failed != 0 {
		t.Fatalf("first send ended %s with %+v, want completed with all %d vip devices accepted", got.Status, got.Totals, vip)
	}
	_, page := b.get(strings.TrimPrefix(path, "/api/v1"))
	badge := doc(t, page).Find(`#progress [data-testid="status"]`)
	if !badge.HasClass("badge-completed") || badge.HasClass("badge-none-accepted") {
		t.Errorf("badge %q, want the plain completed badge", badge.AttrOr("class", ""))
	}

	// Devices whose app is gone: completed (the provider answered), but
	// nobody was accepted, so the badge says so.
	draft = fmt.Sprintf(`{"name":"Gone","provider_id":%d,"audience":{"kind":"cid","values":["invalid-1","invalid-2"]},
		"message":{"type":"notification","title":"Hello","body":"Welcome"}}`, pid)
	resp, body = app.apiDo(http.MethodPost, "/api/v1/campaigns", key, draft, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	gone := decodeCampaign(t, body).ID
	apiOK(t)(app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", gone), key, "", nil))
	eventually(t, 10*time.Second, "the end", func() bool {
		cm, err := app.store.CampaignHead(t.Context(), gone)
		return err == nil && cm.Status.Terminal()
	})
	for _, url := range []string{fmt.Sprintf("/campaigns/%d", gone), fmt.Sprintf("/campaigns/%d/stats", gone), "/campaigns"} {
		_, page = b.get(url)
		d := doc(t, page)
		badge = d.Find(`[data-testid="status"][data-none-accepted]`)
		if badge.Length() != 1 || !badge.HasClass("badge-none-accepted") {
			t.Errorf("%s: %d badges marked as nobody accepted, want 1", url, badge.Length())
		}
	}
	_, body = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", gone), key, "", nil)
	if c := decodeCampaign(t, body); c.Status != "completed" || c.Totals.Invalid != 2 || c.Totals.Accepted != 0 {
		t.Errorf("all-invalid campaign: %s", body)
	}
}
