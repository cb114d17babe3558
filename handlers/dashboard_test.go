package handlers

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestDashboardFigures: the dashboard counts in the campaign page's
// vocabulary: recipients the provider called invalid are invalid, not
// failed; a broadcast counts what its report says; "1 campaign" is
// singular.
func TestDashboardFigures(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey("operator")
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	send := func(audience string) {
		t.Helper()
		body := fmt.Sprintf(`{"name": "c", "provider_id": 1, "audience": %s, "message": {"type": "notification", "title": "Hi", "body": "There"}}`, audience)
		resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body, nil)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, out)
		}
		var id int64
		if _, err := fmt.Sscanf(out, `{"id":%d`, &id); err != nil {
			t.Fatalf("id of %s: %v", out, err)
		}
		if resp, out := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", id), key, "", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("send: %d %s", resp.StatusCode, out)
		}
		eventually(t, 10*time.Second, "finished with a report", func() bool {
			st, err := app.engine.CampaignFigures(t.Context(), id)
			c, cerr := app.store.CampaignHead(t.Context(), id)
			return err == nil && cerr == nil && c.Status.Terminal() && (c.Recipients > 0 || st.Polled)
		})
	}
	period := func() (recipients, campaigns, invalid, failed string) {
		t.Helper()
		_, body := b.get("/")
		p := doc(t, body).Find(`[data-testid="period"]`).First()
		return p.Find(`[data-testid="period-recipients"]`).Text(), p.Find(`[data-testid="period-campaigns"]`).Text(),
			p.Find(`[data-testid="period-invalid"]`).Text(), p.Find(`[data-testid="period-failed"]`).Text()
	}

	send(`{"kind": "cid", "values": ["invalid-device-1", "invalid-device-2"]}`)
	r, c, inv, f := period()
	if r != "2" || c != "1 campaign started" || inv != "2 invalid" || f != "0 failed" {
		t.Errorf("after a listed send: recipients %q, %q, %q, %q; want 2, 1 campaign started, 2 invalid, 0 failed", r, c, inv, f)
	}
	send(`{"kind": "all"}`)
	r, c, _, _ = period()
	if r == "2" || c != "2 campaigns started" {
		t.Errorf("after a broadcast: recipients %q (the report's target should count), %q", r, c)
	}
}
