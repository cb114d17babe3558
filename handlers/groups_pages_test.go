package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// TestStatisticsFindable: the navigation leads to the task groups page,
// which lists each group with its campaigns; the campaign list links each
// campaign's statistics; a filter with no match names the filter.
func TestStatisticsFindable(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey("operator")
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	for _, name := range []string{"Variant A", "Variant B", "Ungrouped"} {
		group := `"spring-ab"`
		if name == "Ungrouped" {
			group = `""`
		}
		body := `{"name": "` + name + `", "group": ` + group + `, "provider_id": 1, "audience": {"kind": "all"}, "message": {"type": "notification", "title": "Hi", "body": "There"}}`
		if resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body, nil); resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, out)
		}
	}
	_, body := b.get("/")
	if doc(t, body).Find(`[data-testid="nav"] a[href="/groups"]`).Length() != 1 {
		t.Error("no Task groups entry in the navigation")
	}
	resp, body := b.get("/groups")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("groups page: %d", resp.StatusCode)
	}
	d := doc(t, body)
	g := d.Find(`[data-testid="group"]`)
	if g.Length() != 1 || g.AttrOr("data-group", "") != "spring-ab" {
		t.Fatalf("groups listed: %d (%q)", g.Length(), g.AttrOr("data-group", ""))
	}
	if got := g.Find(`[data-testid="group-count"]`).Text(); got != "2 campaigns" {
		t.Errorf("group count %q", got)
	}
	if rows := g.Find(`[data-testid="group-campaign"]`); rows.Length() != 2 || !strings.Contains(rows.Text(), "Variant A") {
		t.Errorf("group campaigns: %q", rows.Text())
	}
	if g.Find(`[data-testid="group-link"]`).AttrOr("href", "") != "/groups/spring-ab" {
		t.Error("no link to the group's comparison page")
	}

	_, body = b.get("/campaigns")
	links := doc(t, body).Find(`[data-testid="campaign-row"] [data-testid="row-stats-link"]`)
	if links.Length() != 3 || !strings.HasSuffix(links.First().AttrOr("href", ""), "/stats") {
		t.Errorf("statistics links in the list: %d", links.Length())
	}
	_, body = b.get("/campaigns?status=failed")
	if got := doc(t, body).Find(`[data-testid="empty"]`).Text(); got != "No campaigns with the status “Failed”." {
		t.Errorf("empty state %q", got)
	}
}
