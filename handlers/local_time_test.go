package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

func TestQuietHoursAPI(t *testing.T) {
	app := newTestApp(t)
	admin := app.apiKey(models.RoleAdmin)
	path := fmt.Sprintf("/api/v1/providers/%d/quiet-hours", app.sandboxID())
	for _, tc := range []struct{ name, body, field string }{
		{"bad start", `{"start":"25:00","end":"08:00"}`, "start"},
		{"end missing", `{"start":"22:00","end":""}`, "end"},
		{"empty window", `{"start":"22:00","end":"22:00"}`, "end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := app.apiDo(http.MethodPut, path, admin, tc.body, nil)
			if f := apiFields(t, resp, b); f[tc.field] == nil {
				t.Errorf("fields %v, want %s", f, tc.field)
			}
		})
	}
	resp, b := app.apiDo(http.MethodPut, path, app.apiKey(models.RoleOperator), `{"start":"22:00","end":"08:00"}`, nil)
	apiJSON(t, resp, b, http.StatusForbidden)
	resp, b = app.apiDo(http.MethodPut, path, admin, `{"start":"22:00","end":"08:00"}`, nil)
	apiJSON(t, resp, b, http.StatusOK)
	resp, b = app.apiDo(http.MethodGet, path, admin, "", nil)
	if m := apiJSON(t, resp, b, http.StatusOK); m["start"] != "22:00" || m["end"] != "08:00" {
		t.Errorf("quiet hours %s", b)
	}
}

// TestLocalTimeCampaignPage: a campaign sent at 09:00 local time shows
// what is due when; the device API takes zones and refuses unknown ones;
// the composer keeps the local time and the marketing flag.
func TestLocalTimeCampaignPage(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	pid := app.sandboxID()
	resp, b := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/devices?provider_id=%d", pid), key,
		`[{"cid":"sandbox-0000001","timezone":"Asia/Tokyo"},{"cid":"sandbox-0000002","timezone":"America/New_York"},{"cid":"x","timezone":"Moon/Base"}]`, nil)
	if f := apiFields(t, resp, b); f["[2].timezone"] == nil {
		t.Fatalf("bad zone accepted: %s", b)
	}
	resp, b = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/devices?provider_id=%d", pid), key,
		`[{"cid":"sandbox-0000001","timezone":"Asia/Tokyo"},{"cid":"sandbox-0000002","timezone":"America/New_York"}]`, nil)
	apiJSON(t, resp, b, http.StatusOK)
	// An hour that has just passed everywhere: each zone's is tomorrow.
	at := time.Now().Add(-time.Minute).UTC().Format("15:04")
	body := fmt.Sprintf(`{"name":"Local","provider_id":%d,"audience":{"kind":"cid","values":["sandbox-0000001","sandbox-0000002"]},
		"message":{"type":"notification","title":"Hi","body":"Morning"},"options":{"local_time":%q,"marketing":true}}`, pid, at)
	resp, b = app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body, nil)
	id := int64(apiJSON(t, resp, b, http.StatusCreated)["id"].(float64))
	resp, b = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", id), key, "", nil)
	apiJSON(t, resp, b, http.StatusOK)
	br := app.browser()
	br.setupAdmin("admin@example.com", "correct horse battery")
	eventually(t, 5*time.Second, "two due hours", func() bool {
		_, page := br.get(fmt.Sprintf("/campaigns/%d", id))
		return doc(t, page).Find(`[data-testid="due-row"]`).Length() == 2
	})
	resp, b = app.apiDo(http.MethodPost, "/api/v1/campaigns", key, strings.Replace(body, `"local_time":"`+at+`"`, `"local_time":"9 o'clock"`, 1), nil)
	if f := apiFields(t, resp, b); f["options.local_time"] == nil {
		t.Errorf("bad local time accepted: %s", b)
	}
	form := composerForm("sandbox", fmt.Sprint(pid), map[string]string{"local_time": "09:30", "marketing": "on"})
	resp, _ = br.post("/campaigns", form)
	_, page := br.get(resp.Header.Get("Location") + "/edit")
	d := doc(t, page)
	if fieldValue(d, "local_time") != "09:30" || d.Find(`[name="marketing"][checked]`).Length() != 1 {
		t.Errorf("composer lost the local time %q or the marketing flag", fieldValue(d, "local_time"))
	}
}
