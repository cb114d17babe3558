package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// TestProviderEditKeepsSecrets: the edit form never renders a stored
// secret, a blank secret keeps it, a typed one replaces it (and the next
// connection test uses it), and the change is audited by field name only.
func TestProviderEditKeepsSecrets(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	f := getuifake.New(t)
	id := createAccount(t, app, app.apiKey(models.RoleAdmin), providerBody(t, "GeTui", "getui", f.URL(), credsOf(t, f.Credentials())))
	edit := fmt.Sprintf("/providers/%d", id)

	resp, body := b.get(edit + "/edit")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("edit page: %d", resp.StatusCode)
	}
	for _, s := range []string{getuifake.MasterSecret, getuifake.AppKey} {
		if strings.Contains(body, s) {
			t.Errorf("the edit page contains the stored secret %q", s)
		}
	}
	d := doc(t, body)
	if got := d.Find(`input[name="credentials.app_id"]`).AttrOr("value", ""); got != getuifake.AppID {
		t.Errorf("app_id shown %q", got)
	}
	for _, name := range []string{"app_key", "master_secret"} {
		in := d.Find(fmt.Sprintf(`input[name="credentials.%s"]`, name))
		if in.AttrOr("type", "") != "password" || in.AttrOr("value", "") != "" {
			t.Errorf("%s input: type %q value %q", name, in.AttrOr("type", ""), in.AttrOr("value", ""))
		}
		if !strings.Contains(d.Find(fmt.Sprintf(`[data-testid="field-credentials.%s"]`, name)).Text(), "Leave blank to keep the stored value") {
			t.Errorf("%s has no keep hint", name)
		}
	}
	if d.Find(`select[name="kind"]`).Length() != 0 || d.Find(`[data-testid="kind-fixed"]`).Length() != 1 {
		t.Error("the kind can be changed on edit")
	}

	stored := func() map[string]any {
		t.Helper()
		a, err := app.store.ProviderAccountByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := app.store.ProviderCredentials(a)
		if err != nil {
			t.Fatal(err)
		}
		return credsOf(t, raw)
	}
	testConn := func() string {
		t.Helper()
		_, frag := b.do(http.MethodPost, edit+"/test", nil, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
		return doc(t, frag).Find(`[data-testid="test-result"]`).AttrOr("data-ok", "")
	}
	if testConn() != "true" {
		t.Fatal("connection test fails before any edit")
	}

	tests := []struct {
		name       string
		form       url.Values
		status     int
		wantSecret string
		wantName   string
		testOK     string
	}{
		{"blank secrets keep the stored ones", url.Values{"name": {"GeTui main"}, "base_url": {f.URL()}, "credentials.app_id": {getuifake.AppID}},
			http.StatusSeeOther, getuifake.MasterSecret, "GeTui main", "true"},
		{"a typed secret replaces it", url.Values{"name": {"GeTui main"}, "base_url": {f.URL()}, "credentials.app_id": {getuifake.AppID}, "credentials.master_secret": {"a-new-wrong-secret"}},
			http.StatusSeeOther, "a-new-wrong-secret", "GeTui main", "false"},
		{"invalid edit keeps everything", url.Values{"name": {"Renamed"}, "base_url": {f.URL()}, "credentials.app_id": {""}, "credentials.master_secret": {getuifake.MasterSecret}},
			http.StatusUnprocessableEntity, "a-new-wrong-secret", "GeTui main", "false"},
		{"the right secret again", url.Values{"name": {"GeTui main"}, "base_url": {f.URL()}, "credentials.app_id": {getuifake.AppID}, "credentials.master_secret": {getuifake.MasterSecret}},
			http.StatusSeeOther, getuifake.MasterSecret, "GeTui main", "true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post(edit, tc.form)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == http.StatusUnprocessableEntity {
				d := doc(t, body)
				if d.Find(`[data-testid="error-credentials.app_id"]`).Length() != 1 || d.Find(`input[name="name"]`).AttrOr("value", "") != "Renamed" {
					t.Errorf("error not beside app_id or name not kept: %s", d.Find("form").Text())
				}
				if strings.Contains(body, getuifake.MasterSecret) || strings.Contains(body, getuifake.AppKey) || strings.Contains(body, "a-new-wrong-secret") {
					t.Error("a secret was rendered back")
				}
			}
			got := stored()
			if got["master_secret"] != tc.wantSecret || got["app_key"] != getuifake.AppKey || got["app_id"] != getuifake.AppID {
				t.Errorf("stored credentials %v", got)
			}
			a, err := app.store.ProviderAccountByID(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != tc.wantName || a.Kind != "getui" {
				t.Errorf("account %q kind %q", a.Name, a.Kind)
			}
			if ok := testConn(); ok != tc.testOK {
				t.Errorf("connection test ok=%q, want %q", ok, tc.testOK)
			}
		})
	}
	// The earlier refusal stays listed, but no longer as the current state.
	_, body = b.get("/providers")
	last := doc(t, body).Find(fmt.Sprintf(`[data-id="%d"] [data-testid="last-error"]`, id))
	if last.Length() != 1 || last.AttrOr("data-failing", "none") != "none" {
		t.Errorf("last error after a success: %d shown, failing=%q", last.Length(), last.AttrOr("data-failing", "none"))
	}
	es, err := app.store.ListAudit(t.Context(), models.AuditFilter{Action: "provider_update"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 {
		t.Fatalf("%d update audit entries, want 3", len(es))
	}
	// Newest first: the right secret again, the typed secret, the rename.
	if !strings.Contains(es[1].Detail, "credentials.master_secret") || !strings.Contains(es[2].Detail, `name "GeTui" → "GeTui main"`) {
		t.Errorf("audit details %q / %q", es[1].Detail, es[2].Detail)
	}
	for _, e := range es {
		if e.Actor != "admin@example.com" || strings.Contains(e.Detail, getuifake.MasterSecret) || strings.Contains(e.Detail, "a-new-wrong-secret") {
			t.Errorf("audit entry %+v", e)
		}
	}
}

// TestProviderControlsByRole: viewers see the list read-only, operators may
// test a connection, only admins add, edit and disable.
func TestProviderControlsByRole(t *testing.T) {
	app := newTestApp(t)
	app.createUser("admin@example.com", models.RoleAdmin)
	app.createUser("op@example.com", models.RoleOperator)
	app.createUser("viewer@example.com", models.RoleViewer)
	controls := []string{"provider-add", "provider-edit", "provider-disable", "provider-test"}
	tests := []struct {
		email string
		sees  []string
	}{
		{"admin@example.com", controls},
		{"op@example.com", []string{"provider-test"}},
		{"viewer@example.com", nil},
	}
	for _, tc := range tests {
		t.Run(tc.email, func(t *testing.T) {
			b := app.browser()
			b.login(tc.email, "password123")
			resp, body := b.get("/providers")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("list: %d", resp.StatusCode)
			}
			d := doc(t, body)
			if d.Find(`[data-testid="provider-row"]`).Length() != 1 {
				t.Error("the sandbox account is not listed")
			}
			for _, c := range controls {
				if got := d.Find(fmt.Sprintf(`[data-testid="%s"]`, c)).Length() > 0; got != slices.Contains(tc.sees, c) {
					t.Errorf("%s shown = %v", c, got)
				}
			}
			want := http.StatusForbidden
			if slices.Contains(tc.sees, "provider-test") {
				want = http.StatusOK
			}
			resp, frag := b.do(http.MethodPost, "/providers/1/test", nil, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
			if resp.StatusCode != want {
				t.Errorf("test connection: %d, want %d", resp.StatusCode, want)
			}
			if want == http.StatusOK && doc(t, frag).Find(`[data-testid="test-result"]`).AttrOr("data-ok", "") != "true" {
				t.Errorf("sandbox test result: %s", frag)
			}
		})
	}
}

// TestProviderDisable: a disabled account is marked, refused for new
// campaigns (API and composer) and can be enabled again; both are audited.
func TestProviderDisable(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	key := app.apiKey(models.RoleOperator)
	campaign := `{"name": "c", "provider_id": 1, "audience": {"kind": "all"}, "message": {"type": "notification", "title": "t", "body": "b"}}`

	resp, _ := b.post("/providers/1/disable", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	_, body := b.get("/providers")
	d := doc(t, body)
	if d.Find(`[data-testid="provider-disabled"]`).Length() != 1 || d.Find(`[data-testid="provider-enable"]`).Length() != 1 || d.Find(`[data-testid="provider-disable"]`).Length() != 0 {
		t.Errorf("disabled account not marked: %s", d.Find(`[data-testid="provider-row"]`).Text())
	}
	resp, raw := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, campaign, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || decodeErr(t, raw).Error.Fields["provider_id"] != "is disabled" {
		t.Errorf("campaign on a disabled account: %d %s", resp.StatusCode, raw)
	}
	_, body = b.get("/campaigns/new")
	if n := doc(t, body).Find(`select[name="provider_id"] option`).Length(); n != 0 {
		t.Errorf("the composer offers %d accounts, want none", n)
	}
	var list struct{ Items []apiProvider }
	_, raw = app.apiDo(http.MethodGet, "/api/v1/providers", key, "", nil)
	if err := json.Unmarshal([]byte(raw), &list); err != nil || len(list.Items) != 1 || !list.Items[0].Disabled {
		t.Errorf("API list: %s", raw)
	}

	resp, _ = b.post("/providers/1/enable", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", resp.StatusCode)
	}
	resp, raw = app.apiDo(http.MethodPost, "/api/v1/campaigns", key, campaign, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("campaign after enable: %d %s", resp.StatusCode, raw)
	}
	for _, action := range []string{"provider_disable", "provider_enable"} {
		es, err := app.store.ListAudit(t.Context(), models.AuditFilter{Action: action})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Actor != "admin@example.com" || es[0].Target != "provider:1" {
			t.Errorf("%s audit: %+v", action, es)
		}
	}
	resp, _ = b.post("/providers/99/disable", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("disable a missing account: %d, want 404", resp.StatusCode)
	}
}
