package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestComposerPersonalPreview: in a real browser, the composer previews a
// personalized title for the device whose cid is typed, escaped; lists the
// account's attributes; warns of a placeholder no device has; and saves
// the draft with its placeholders.
func TestComposerPersonalPreview(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	srv.adminAndKey(adminEmail, adminPassword)
	key := srv.cli("apikey", "create", "--name", "setup", "--role", "admin")
	srv.start()
	var acct struct {
		ID int64 `json:"id"`
	}
	if code := srv.api(http.MethodPost, "/api/v1/providers", key, map[string]any{"name": "Sandbox P", "kind": "sandbox", "credentials": map[string]any{}}, &acct); code != http.StatusCreated {
		t.Fatalf("create provider: %d", code)
	}
	devices := []map[string]any{{"cid": "dev-ann", "attributes": map[string]string{"name": "<i>Ann</i>", "city": "Oslo"}}, {"cid": "dev-bob"}}
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/devices?provider_id=%d", acct.ID), key, devices, nil); code != http.StatusOK {
		t.Fatalf("devices: %d", code)
	}
	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)
	b.open(fmt.Sprintf("/campaigns/new?provider_id=%d", acct.ID))
	b.fill("message", `[data-testid="campaign-form"]`, map[string]string{"name": "Personal", "body": "Sale today"})
	b.typeText("a personalized title", `[data-testid="campaign-form"] [name="title"]`, `Hi {{ name | default: "there" }}{{ nick }}`)
	b.waitText("rendered with fallbacks", `[data-testid="preview-android"] [data-testid="preview-title"]`, "Hi there", 10*time.Second)
	b.typeText("pick a device", `[data-testid="preview-cid"]`, "dev-ann")
	b.waitText("rendered for the device", `[data-testid="preview-android"] [data-testid="preview-title"]`, "Hi <i>Ann</i>", 10*time.Second)
	b.check("escaped", b.count(`[data-testid="device-preview"] i`) == 0, "the name's markup was rendered")
	b.check("attributes listed", strings.Contains(b.text(`[data-testid="personalize-attributes"]`), "{{ city }}"),
		"attributes %q", b.text(`[data-testid="personalize-attributes"]`))
	b.check("unknown placeholder warned", strings.Contains(b.text(`[data-testid="personalize-unknown"]`), "nick"),
		"warnings %q", b.text(`[data-testid="personalize"]`))
	b.shot("personal-preview")
	status := b.submit("save the draft", `[data-testid="save-draft"]`)
	b.check("draft saved", status == http.StatusOK && campaignPath.MatchString(b.path()), "status %d at %s", status, b.path())
	b.check("placeholders kept", strings.Contains(b.text("main"), `{{ name | default: "there" }}`), "details %q", b.text("main"))
}
