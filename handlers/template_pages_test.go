package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// TestTemplatePages: save as template from the composer, the list with
// kind and used-by count, a new campaign from it prefilled and linked, the
// edit form refusing a bad message with its field, delete with CSRF.
func TestTemplatePages(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "correct horse battery")
	pid := strconv.FormatInt(app.sandboxID(), 10)

	// The composer refuses a template without a name beside its field,
	// keeping what was typed.
	form := composerForm("sandbox", pid, map[string]string{"title": "Saved title", "body": "Saved body"})
	resp, body := b.postMultipart("/templates/from-composer", form, "", "")
	if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find(`[data-testid="error-template_name"]`).Length() != 1 ||
		!strings.Contains(body, "Saved body") {
		t.Fatalf("nameless template: %d", resp.StatusCode)
	}
	form = composerForm("sandbox", pid, map[string]string{"title": "Saved title", "body": "Saved body", "template_name": "Promo"})
	resp, _ = b.postMultipart("/templates/from-composer", form, "", "")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save as template: %d", resp.StatusCode)
	}
	tplURL := resp.Header.Get("Location")
	ts, _, err := app.store.ListTemplates(t.Context(), models.TemplateFilter{})
	if err != nil || len(ts) != 1 || ts[0].Kind != "sandbox" || !strings.Contains(string(ts[0].Message), "Saved body") {
		t.Fatalf("stored %v %v", ts, err)
	}
	if n, _ := app.store.CountCampaignsByStatus(t.Context()); len(n) != 0 {
		t.Fatalf("save as template stored a campaign: %v", n)
	}

	// New campaign from it: the composer is prefilled and the campaign
	// keeps the link.
	_, body = b.get(fmt.Sprintf("/campaigns/new?template=%d", ts[0].ID))
	d := doc(t, body)
	if v, _ := d.Find(`input[name="title"]`).Attr("value"); v != "Saved title" {
		t.Fatalf("prefilled title %q", v)
	}
	if v, _ := d.Find(`input[name="template_id"]`).Attr("value"); v != strconv.FormatInt(ts[0].ID, 10) {
		t.Fatalf("template_id %q", v)
	}
	form = composerForm("sandbox", pid, map[string]string{"name": "From promo", "template_id": strconv.FormatInt(ts[0].ID, 10)})
	if resp, _ := b.postMultipart("/campaigns", form, "", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("campaign from template: %d", resp.StatusCode)
	}
	_, body = b.get(tplURL)
	d = doc(t, body)
	if d.Find(`[data-testid="template-campaign"] a`).Text() != "From promo" || !strings.Contains(d.Find(`[data-testid="template-used"]`).Text(), "used by 1 campaign") {
		t.Fatalf("template page: %s", d.Find("main").Text())
	}
	_, body = b.get("/templates")
	if row := doc(t, body).Find(`[data-testid="template-row"]`); row.Length() != 1 || !strings.Contains(row.Text(), "used by 1 campaign") {
		t.Fatalf("list: %s", row.Text())
	}

	// The edit form names the message's bad field and keeps the JSON.
	resp, body = b.post(tplURL, url.Values{"name": {"Promo"}, "kind": {"sandbox"}, "message": {`{"type":"notification","title":"","body":"x"}`}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "message.title") {
		t.Fatalf("bad edit: %d", resp.StatusCode)
	}
	resp, _ = b.post(tplURL, url.Values{"name": {"Promo 2"}, "kind": {"sandbox"}, "message": {`{"type":"notification","title":"T","body":"x"}`}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}

	// Delete needs the CSRF token; the campaign keeps its message.
	if resp, _ := b.do(http.MethodPost, tplURL+"/delete", url.Values{}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("delete without CSRF: %d", resp.StatusCode)
	}
	if resp, _ := b.post(tplURL+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := b.get(tplURL); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted template: %d", resp.StatusCode)
	}
}
