package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/models"
)

// auditRows reads the audit page's rows as action → count.
func auditRows(t *testing.T, body string) (map[string]int, *goquery.Selection) {
	t.Helper()
	rows := doc(t, body).Find(`[data-testid="audit-row"]`)
	got := map[string]int{}
	rows.Each(func(_ int, r *goquery.Selection) { got[r.AttrOr("data-action", "")]++ })
	return got, rows
}

// TestAuditLogRecordsActions does each audited thing through the pages and
// finds it on the audit log page, with no password or key in sight.
func TestAuditLogRecordsActions(t *testing.T) {
	app := newTestApp(t)
	adm := app.browser()
	adm.setupAdmin("admin@example.com", "password123")
	stranger := app.browser()
	stranger.do(http.MethodPost, "/login", url.Values{"email": {"admin@example.com"}, "password": {"hunter2-guess"}}, nil)
	again := app.browser()
	again.login("admin@example.com", "password123")
	again.post("/logout", nil)

	// A slow listed campaign stays in sending long enough to pause, resume
	// and cancel: its first batch of 1,000 goes at once, the rest waits on
	// a speed of one message a second.
	cids := make([]string, 2500)
	for i := range cids {
		cids[i] = fmt.Sprintf("cid-%04d", i)
	}
	resp, _ := adm.post("/campaigns", url.Values{"name": {"Slow one"}, "provider_id": {"1"}, "audience_kind": {"cid"},
		"audience_values": {strings.Join(cids, "\n")}, "type": {"notification"}, "title": {"Hi"}, "body": {"There"},
		"click_action": {"startapp"}, "speed": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create campaign: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	adm.post(loc+"/test", url.Values{"cids": {"cid-test"}})
	var id int64
	if _, err := fmt.Sscanf(loc, "/campaigns/%d", &id); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ action, status string }{
		{"send", "sending"}, {"pause", "paused"}, {"resume", "sending"}, {"cancel", "cancelled"},
	} {
		if r, _ := adm.post(loc+"/"+step.action, nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", step.action, r.StatusCode)
		}
		cm, err := app.store.CampaignByID(t.Context(), id)
		if err != nil || string(cm.Status) != step.status {
			t.Fatalf("after %s: status %s (%v), want %s", step.action, cm.Status, err, step.status)
		}
	}
	adm.post("/settings/operators", url.Values{"email": {"new@example.com"}, "role": {"viewer"}, "password": {"initial-secret"}})
	adm.post("/settings/apikeys", url.Values{"name": {"ci"}, "role": {"viewer"}})

	resp, body := adm.get("/settings/audit")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audit page: %d", resp.StatusCode)
	}
	got, _ := auditRows(t, body)
	for _, a := range []string{"setup", "login_failed", "login", "logout", "campaign_create", "campaign_test",
		"campaign_send", "campaign_pause", "campaign_resume", "campaign_cancel", "operator_create", "apikey_create"} {
		if got[a] == 0 {
			t.Errorf("%s is not on the audit page (have %v)", a, got)
		}
	}
	for _, secret := range []string{"password123", "hunter2-guess", "initial-secret", "pdk_"} {
		if strings.Contains(body, secret) && !(secret == "pdk_" && strings.Contains(body, "prefix=pdk_")) {
			t.Errorf("the audit page shows %q", secret)
		}
	}
	d := doc(t, body)
	failed := d.Find(`[data-testid="audit-row"][data-action="login_failed"]`)
	if failed.Find(`[data-testid="audit-row-actor"]`).Text() != "admin@example.com" {
		t.Errorf("failed login actor %q", failed.Find(`[data-testid="audit-row-actor"]`).Text())
	}
	if !strings.Contains(d.Find(`[data-testid="audit-row"][data-action="campaign_send"]`).Text(), "Campaign sent") {
		t.Error("action label missing")
	}

	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			query string
			want  map[string]int
		}{
			{"action=login", map[string]int{"login": 1}},
			{"action=campaign_pause", map[string]int{"campaign_pause": 1}},
			{"actor=ADMIN@example.com&action=login_failed", map[string]int{"login_failed": 1}},
			{"actor=nobody@example.com", map[string]int{}},
		}
		for _, tc := range tests {
			t.Run(tc.query, func(t *testing.T) {
				_, body := adm.get("/settings/audit?" + tc.query)
				got, _ := auditRows(t, body)
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("rows %v, want %v", got, tc.want)
				}
			})
		}
	})
}

func TestAuditLogPages(t *testing.T) {
	app := newTestApp(t)
	adm := app.browser()
	adm.setupAdmin("admin@example.com", "password123")
	for i := range 120 {
		if err := app.store.Audit(t.Context(), models.AuditEntry{Actor: "script", Action: "bulk", Target: fmt.Sprintf("t%03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	next := "/settings/audit?action=bulk"
	seen := map[string]bool{}
	var sizes []int
	for page := 0; next != "" && page < 5; page++ {
		_, body := adm.get(next)
		_, rows := auditRows(t, body)
		sizes = append(sizes, rows.Length())
		rows.Each(func(_ int, r *goquery.Selection) {
			tgt := r.Find(`[data-testid="audit-row-target"]`).Text()
			if seen[tgt] {
				t.Errorf("%s on two pages", tgt)
			}
			seen[tgt] = true
		})
		next = doc(t, body).Find(`[data-testid="pager"] a`).AttrOr("href", "")
		if next != "" && !strings.Contains(next, "action=bulk") {
			t.Fatalf("pager %q loses the filter", next)
		}
	}
	if fmt.Sprint(sizes) != "[50 50 20]" || len(seen) != 120 {
		t.Errorf("pages %v, %d distinct rows; want [50 50 20], 120", sizes, len(seen))
	}
	// A nonsense cursor is the first page, not an error.
	if r, _ := adm.get("/settings/audit?after=abc"); r.StatusCode != http.StatusOK {
		t.Errorf("bad cursor: %d", r.StatusCode)
	}
}
