package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// credentialInputs lists the credential inputs of a form: name → type.
func credentialInputs(d *goquery.Document) map[string]string {
	out := map[string]string{}
	d.Find(`form[data-testid="provider-form"] input[name^="credentials."]`).Each(func(_ int, s *goquery.Selection) {
		out[strings.TrimPrefix(s.AttrOr("name", ""), "credentials.")] = s.AttrOr("type", "")
	})
	return out
}

// TestProviderFormFieldsPerKind: the add form renders exactly the
// credential fields of the kind's Spec, secrets as password inputs, and
// the base URL as required only for MX push. Switching the kind with htmx
// answers just the form, keeping the name typed.
func TestProviderFormFieldsPerKind(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	tests := []struct {
		kind       string
		fields     map[string]string
		urlNeeded  bool
		urlDefault string
	}{
		{"getui", map[string]string{"app_id": "text", "app_key": "password", "master_secret": "password"}, false, "https://restapi.getui.com"},
		{"mxpush", map[string]string{"app_id": "text", "access_token": "password"}, true, ""},
		{"wecom", map[string]string{"corp_id": "text", "corp_secret": "password", "agent_id": "text"}, false, "https://qyapi.weixin.qq.com"},
		{"sandbox", map[string]string{}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			resp, body := b.get("/providers/new?kind=" + tc.kind)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			d := doc(t, body)
			if got := credentialInputs(d); !mapsEqual(got, tc.fields) {
				t.Errorf("credential inputs %v, want %v", got, tc.fields)
			}
			if got := d.Find(`select[name="kind"] option[selected]`).AttrOr("value", ""); got != tc.kind {
				t.Errorf("kind chosen %q", got)
			}
			if got := d.Find(`form[data-testid="provider-form"] input[name="kind"]`).AttrOr("value", ""); got != tc.kind {
				t.Errorf("hidden kind %q", got)
			}
			u := d.Find(`input[name="base_url"]`)
			if _, req := u.Attr("required"); req != tc.urlNeeded {
				t.Errorf("base_url required = %v", req)
			}
			if got := u.AttrOr("placeholder", ""); got != tc.urlDefault {
				t.Errorf("base_url placeholder %q, want the default %q", got, tc.urlDefault)
			}
			if (len(tc.fields) == 0) != (d.Find(`[data-testid="no-credentials"]`).Length() == 1) {
				t.Error("the no-credentials note is wrong")
			}
			if d.Find(`form[data-testid="provider-form"] input[name="csrf_token"]`).Length() != 1 {
				t.Error("no CSRF token in the form")
			}
		})
	}
	// The kind select re-renders the form over htmx, name and base URL kept.
	resp, frag := b.do(http.MethodGet, "/providers/new?kind=wecom&name=Ops+app&base_url=https%3A%2F%2Fwecom.example.com", nil, map[string]string{"HX-Request": "true"})
	if resp.StatusCode != http.StatusOK || strings.Contains(frag, "<html") || resp.Header.Get("Vary") != "HX-Request" {
		t.Fatalf("partial: %d vary %q, whole page: %v", resp.StatusCode, resp.Header.Get("Vary"), strings.Contains(frag, "<html"))
	}
	d := doc(t, frag)
	if d.Find(`#provider-form`).Length() != 1 || d.Find(`input[name="credentials.corp_id"]`).Length() != 1 {
		t.Errorf("partial is not the wecom form: %s", frag)
	}
	if d.Find(`input[name="name"]`).AttrOr("value", "") != "Ops app" || d.Find(`input[name="base_url"]`).AttrOr("value", "") != "https://wecom.example.com" {
		t.Error("switching kind lost the name or base URL")
	}
	// An unknown kind falls back to the first offered.
	_, body := b.get("/providers/new?kind=nope")
	if got := doc(t, body).Find(`form[data-testid="provider-form"] input[name="kind"]`).AttrOr("value", ""); got != "getui" {
		t.Errorf("unknown kind rendered as %q", got)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestProviderFormValidation: a bad form comes back 422 with each error
// beside its field and the values kept, except secrets; nothing is saved.
// A good one is saved, audited without secrets, and listed.
func TestProviderFormValidation(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	const secret = "typed-master-secret-42"
	tests := []struct {
		name   string
		form   url.Values
		errors map[string]string
		kept   map[string]string
	}{
		{
			name: "getui bad base url and missing app id",
			form: url.Values{"kind": {"getui"}, "name": {"My GeTui"}, "base_url": {"restapi.getui.com"},
				"credentials.app_id": {""}, "credentials.app_key": {"key-1"}, "credentials.master_secret": {secret}},
			errors: map[string]string{"base_url": "must be an http:// or https:// URL", "credentials.app_id": "is required"},
			kept:   map[string]string{"name": "My GeTui", "base_url": "restapi.getui.com"},
		},
		{
			name: "wecom agent id not a number",
			form: url.Values{"kind": {"wecom"}, "name": {"Ops"}, "credentials.corp_id": {"ww123"},
				"credentials.corp_secret": {secret}, "credentials.agent_id": {"abc"}},
			errors: map[string]string{"credentials.agent_id": "must be a whole number"},
			kept:   map[string]string{"name": "Ops", "credentials.corp_id": "ww123", "credentials.agent_id": "abc"},
		},
		{
			name:   "mxpush without base url, name taken",
			form:   url.Values{"kind": {"mxpush"}, "name": {"Sandbox"}, "credentials.app_id": {"1"}, "credentials.access_token": {secret}},
			errors: map[string]string{"base_url": "is required", "name": "is already taken"},
			kept:   map[string]string{"name": "Sandbox", "credentials.app_id": "1"},
		},
		{
			name:   "unknown kind",
			form:   url.Values{"kind": {"carrier-pigeon"}, "name": {"x"}},
			errors: map[string]string{"kind": "is not one of the offered choices"},
			kept:   map[string]string{"name": "x"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post("/providers", tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			d := doc(t, body)
			for field, want := range tc.errors {
				got := d.Find(fmt.Sprintf(`[data-testid="field-%s"] [data-testid="error-%s"]`, field, field)).Text()
				if !strings.Contains(got, want) {
					t.Errorf("error beside %s: %q, want %q", field, got, want)
				}
			}
			for field, want := range tc.kept {
				if got := d.Find(fmt.Sprintf(`[name="%s"]`, field)).Last().AttrOr("value", ""); got != want {
					t.Errorf("%s = %q, want %q kept", field, got, want)
				}
			}
			if strings.Contains(body, secret) {
				t.Error("a typed secret was rendered back")
			}
			// A typed secret that is not sent back says so.
			d.Find(`input[type="password"]`).Each(func(_ int, in *goquery.Selection) {
				name := in.AttrOr("name", "")
				if tc.form.Get(name) != "" && !strings.Contains(in.Parent().Text(), "type it again") {
					t.Errorf("%s: no retype hint: %q", name, in.Parent().Text())
				}
			})
		})
	}
	as, err := app.store.ListProviderAccounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 {
		t.Fatalf("%d accounts after refused forms, want only the sandbox", len(as))
	}

	f := getuifake.New(t)
	resp, _ := b.post("/providers", url.Values{"kind": {"getui"}, "name": {" GeTui prod "}, "base_url": {f.URL() + "/"},
		"credentials.app_id": {getuifake.AppID}, "credentials.app_key": {getuifake.AppKey}, "credentials.master_secret": {getuifake.MasterSecret}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/providers" {
		t.Fatalf("save: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := b.get("/providers")
	d := doc(t, body)
	if d.Find(`[data-testid="flash-success"]`).Length() != 1 || !strings.Contains(d.Find(`[data-testid="provider-name"]`).Text(), "GeTui prod") {
		t.Errorf("saved account not listed with a confirmation: %s", d.Find("main").Text())
	}
	if strings.Contains(body, getuifake.MasterSecret) || strings.Contains(body, getuifake.AppKey) {
		t.Error("the list shows a secret")
	}
	es, err := app.store.ListAudit(t.Context(), models.AuditFilter{Action: "provider_create"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Actor != "admin@example.com" || es[0].CreatedAt.IsZero() || !strings.Contains(es[0].Detail, "GeTui prod") ||
		strings.Contains(es[0].Detail, getuifake.MasterSecret) || strings.Contains(es[0].Detail, getuifake.AppKey) {
		t.Errorf("audit %+v", es)
	}
	// The saved account passes the connection test (base URL trimmed of
	// its slash, credentials as typed).
	resp, frag := b.do(http.MethodPost, "/providers/2/test", nil, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
	if resp.StatusCode != http.StatusOK || doc(t, frag).Find(`[data-testid="test-result"]`).AttrOr("data-ok", "") != "true" {
		t.Errorf("test of the saved account: %d %s", resp.StatusCode, frag)
	}
}
