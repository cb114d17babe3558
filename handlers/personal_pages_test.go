package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// TestComposerPersonalPreview: the composer's preview renders a
// personalized message for the device picked by cid, escaped; lists the
// account's attributes; warns of a placeholder no device has; counts the
// audience share that falls back; and says when the cid is unknown.
func TestComposerPersonalPreview(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := app.sandboxID()
	r, body := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/devices?provider_id=%d", pid), app.apiKey(models.RoleOperator),
		`[{"cid":"dev-ann","attributes":{"name":"<b>Ann</b>"}},{"cid":"dev-none"}]`, nil)
	apiJSON(t, r, body, http.StatusOK)
	preview := func(cid, title string) string {
		t.Helper()
		form := url.Values{"provider_id": {fmt.Sprint(pid)}, "type": {"notification"}, "title": {title}, "body": {"b"},
			"audience_kind": {"all"}, "preview_cid": {cid}}
		resp, frag := b.do(http.MethodPost, "/campaigns/preview", form, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preview: %d", resp.StatusCode)
		}
		return frag
	}
	d := doc(t, preview("dev-ann", `Hi {{ name | default: "there" }} {{ nick }}`))
	if got := d.Find(`[data-testid="preview-android"] [data-testid="preview-title"]`).Text(); got != "Hi <b>Ann</b>" || d.Find("b").Length() != 0 {
		t.Errorf("title %q, want the device's name, escaped", got)
	}
	if !strings.Contains(d.Find(`[data-testid="personalize-unknown"]`).Text(), "nick") {
		t.Error("no warning for the placeholder no device has")
	}
	if !strings.Contains(d.Find(`[data-testid="personalize-attributes"]`).Text(), "{{ name }}") {
		t.Error("the account's attributes are not listed")
	}
	if got := d.Find(`[data-testid="personalize-fallback"]`).Text(); !strings.Contains(got, "2 / 2") {
		t.Errorf("fallback share %q: nick is on no device, so both fall back", got)
	}
	d = doc(t, preview("dev-none", `Hi {{ name | default: "there" }}`))
	if got := d.Find(`[data-testid="preview-title"]`).First().Text(); got != "Hi there" {
		t.Errorf("device without the attribute: %q", got)
	}
	if got := d.Find(`[data-testid="personalize-fallback"]`).Text(); !strings.Contains(got, "1 / 2") {
		t.Errorf("fallback share %q", got)
	}
	d = doc(t, preview("nope", `Hi {{ name | default: "there" }}`))
	if d.Find(`[data-testid="personalize-no-device"]`).Length() != 1 {
		t.Error("an unknown cid is not told")
	}
	d = doc(t, preview("", "Plain"))
	if d.Find(`[data-testid="personalize"]`).Length() != 0 {
		t.Error("a message without placeholders shows the panel")
	}
	if !strings.Contains(d.Find(`[data-testid="personalize-hint"] [data-testid="personalize-attributes"]`).Text(), "{{ name }}") {
		t.Error("the attributes to write are not listed before the first placeholder")
	}
}
