package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestActionBarFollowsStatus: the send button says what it will do and
// whom it reaches; a double submit answers as a success; once the campaign
// completes, the polled partial sends an action bar without Pause and
// Cancel and clears the "Sending started" flash; the audit log names the
// transition.
func TestActionBarFollowsStatus(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	draft := func(extra url.Values) string {
		t.Helper()
		form := url.Values{"name": {"Spring sale"}, "provider_id": {"1"}, "audience_kind": {"all"},
			"type": {"notification"}, "title": {"Hi"}, "body": {"Sale starts now"}, "click_action": {"startapp"}}
		for k, v := range extra {
			form[k] = v
		}
		resp, body := b.post("/campaigns", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save draft: %d %s", resp.StatusCode, body)
		}
		return resp.Header.Get("Location")
	}

	t.Run("send now", func(t *testing.T) {
		loc := draft(nil)
		_, body := b.get(loc)
		d := doc(t, body)
		send := d.Find(`[data-testid="action-send"]`)
		if got := strings.TrimSpace(send.Text()); got != "Send now" {
			t.Errorf("send button %q, want Send now", got)
		}
		confirm := send.AttrOr("data-confirm", "")
		if !strings.Contains(confirm, "Sandbox") || !strings.Contains(confirm, "registered here") {
			t.Errorf("confirmation %q should name the account and the reach", confirm)
		}
		if d.Find(`[data-testid="stats-link"]`).AttrOr("href", "") != loc+"/stats" {
			t.Error("no Statistics link on the campaign page")
		}
		resp, _ := b.post(loc+"/send", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("send: %d", resp.StatusCode)
		}
		// The second click of a double submit finds the campaign sending
		// (or done) and answers as the first did.
		resp, _ = b.post(loc+"/send", nil)
		_, body = b.get(resp.Header.Get("Location"))
		if doc(t, body).Find(`[data-testid="flash-error"]`).Length() != 0 {
			t.Errorf("double submit shows an error: %s", doc(t, body).Find(`#flashes`).Text())
		}
		var frag string
		eventually(t, 10*time.Second, "completed", func() bool {
			_, frag = b.do(http.MethodGet, loc+"/progress", nil, map[string]string{"HX-Request": "true"})
			return doc(t, frag).Find(`[data-testid="progress"]`).AttrOr("data-status", "") == "completed"
		})
		pd := doc(t, frag)
		bar := pd.Find(`#campaign-actions[hx-swap-oob]`)
		if bar.Length() != 1 || bar.AttrOr("data-status", "") != "completed" {
			t.Fatalf("partial carries no action bar for the completed campaign: %s", frag)
		}
		if bar.Find(`[data-testid="action-pause"], [data-testid="action-cancel"], [data-testid="action-send"]`).Length() != 0 {
			t.Errorf("stale controls after completion: %s", bar.Text())
		}
		if pd.Find(`#flashes[hx-swap-oob]`).Length() != 1 {
			t.Error("the partial does not clear the flash once the campaign finished")
		}
	})

	t.Run("schedule", func(t *testing.T) {
		at := time.Now().UTC().Add(48 * time.Hour).Format("2006-01-02T15:04")
		loc := draft(url.Values{"schedule_at": {at}, "timezone": {"UTC"}})
		_, body := b.get(loc)
		send := doc(t, body).Find(`[data-testid="action-send"]`)
		if got := strings.TrimSpace(send.Text()); got != "Schedule" {
			t.Errorf("send button %q, want Schedule", got)
		}
		if !strings.Contains(send.AttrOr("data-confirm", ""), "Schedule this campaign") {
			t.Errorf("confirmation %q", send.AttrOr("data-confirm", ""))
		}
		resp, _ := b.post(loc+"/send", nil)
		_, body = b.get(resp.Header.Get("Location"))
		if got := doc(t, body).Find(`[data-testid="flash-success"]`).Text(); got != "Campaign scheduled." {
			t.Errorf("flash %q, want Campaign scheduled.", got)
		}
		_, body = b.get("/settings/audit")
		if doc(t, body).Find(`[data-testid="audit-row"][data-action="campaign_schedule"]`).Length() != 1 {
			t.Error("the audit log does not record the schedule as such")
		}
	})
}
