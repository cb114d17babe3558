package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// TestInvalidDevicesEndToEnd: a send whose provider answers some tokens
// invalid marks exactly those devices; the audience page shows and
// filters them, resolved audiences leave them out unless included, and
// the operator's "clear" brings a device back.
func TestInvalidDevicesEndToEnd(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	key := app.apiKey(models.RoleOperator)
	pid := app.sandboxID()
	devs := `[{"cid":"ok-1","tags":["t"]},{"cid":"ok-2","tags":["t"]},{"cid":"invalid-1","tags":["t"]},{"cid":"invalid-2","tags":["t"]}]`
	if resp, out := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/devices?provider_id=%d", pid), key, devs, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("upsert: %d %s", resp.StatusCode, out)
	}
	body, _ := json.Marshal(map[string]any{"name": "cids", "provider_id": pid,
		"audience": map[string]any{"kind": "cid", "values": []string{"ok-1", "ok-2", "invalid-1", "invalid-2"}},
		"message":  map[string]any{"type": "notification", "title": "Hi", "body": "Now"}})
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, string(body), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	path := fmt.Sprintf("/api/v1/campaigns/%d", decodeCampaign(t, out).ID)
	if resp, out = app.apiDo(http.MethodPost, path+"/send", key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", resp.StatusCode, out)
	}
	eventually(t, 15*time.Second, "completed", func() bool {
		_, out = app.apiDo(http.MethodGet, path, key, "", nil)
		return strings.Contains(out, `"status":"completed"`)
	})

	// The device API reports the mark.
	_, out = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/devices?provider_id=%d", pid), key, "", nil)
	var list struct {
		Items []models.Device `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("devices: %v %s", err, out)
	}
	marked := map[string]string{}
	for _, d := range list.Items {
		if d.InvalidAt != nil {
			marked[d.CID] = d.InvalidReason
		}
	}
	if len(marked) != 2 || !strings.HasPrefix(marked["invalid-1"], "uninstalled") || marked["invalid-2"] == "" {
		t.Fatalf("marked devices: %v", marked)
	}

	// Counts: a tag audience leaves them out unless asked.
	count := func(include bool) string {
		aud, _ := json.Marshal(map[string]any{"provider_id": pid, "audience": map[string]any{"kind": "tag", "values": []string{"t"}, "include_invalid": include}})
		resp, out := app.apiDo(http.MethodPost, "/api/v1/audience/preview", key, string(aud), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preview: %d %s", resp.StatusCode, out)
		}
		return out
	}
	if got := count(false); !strings.Contains(got, `"count":2`) {
		t.Errorf("tag without invalid: %s", got)
	}
	if got := count(true); !strings.Contains(got, `"count":4`) {
		t.Errorf("tag with invalid: %s", got)
	}
	// The composer's count fragment reads the checkbox too.
	_, frag := b.post("/audience/preview", url.Values{"provider_id": {fmt.Sprint(pid)}, "audience_kind": {"tag"}, "audience_values": {"t"}, "include_invalid": {"1"}})
	if !strings.Contains(frag, "4") {
		t.Errorf("composer count with invalid: %s", frag)
	}

	// The page: badge, filter, detail, clear.
	_, page := b.get(fmt.Sprintf("/audience?provider_id=%d&invalid=only", pid))
	d := doc(t, page)
	if n := d.Find(`[data-testid="device-row"]`).Length(); n != 2 || d.Find(`[data-testid="invalid-badge"]`).Length() != 2 {
		t.Fatalf("invalid-only list: %d rows: %s", n, page)
	}
	_, page = b.get(fmt.Sprintf("/audience?provider_id=%d&invalid=exclude", pid))
	if n := doc(t, page).Find(`[data-testid="device-row"]`).Length(); n != 2 {
		t.Errorf("valid-only list: %d rows", n)
	}
	dev, err := app.store.DeviceByCID(t.Context(), pid, "invalid-1")
	if err != nil {
		t.Fatal(err)
	}
	_, page = b.get(fmt.Sprintf("/audience/devices/%d", dev.ID))
	if !strings.Contains(doc(t, page).Find(`[data-testid="device-invalid"]`).Text(), "uninstalled") {
		t.Fatalf("device page shows no reason: %s", page)
	}
	if resp, _ := b.post(fmt.Sprintf("/audience/devices/%d/clear-invalid", dev.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("clear: %d", resp.StatusCode)
	}
	if got := count(false); !strings.Contains(got, `"count":3`) {
		t.Errorf("after clearing one: %s", got)
	}
	if resp, _ := b.post("/audience/devices/999999/clear-invalid", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("clear an unknown device: %d, want 404", resp.StatusCode)
	}
}
