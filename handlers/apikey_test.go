package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// TestAPIKeyPages creates a key on the page, uses it, sees its last use,
// revokes it, and checks the key is shown exactly once.
func TestAPIKeyPages(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")

	t.Run("invalid form comes back filled", func(t *testing.T) {
		tests := []struct {
			name  string
			form  url.Values
			field string
		}{
			{"blank name", url.Values{"name": {"  "}, "role": {"viewer"}}, "name"},
			{"forged role", url.Values{"name": {"bot"}, "role": {"root"}}, "role"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := b.post("/settings/apikeys", tc.form)
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422", resp.StatusCode)
				}
				d := doc(t, body)
				if d.Find(`[data-testid="apikey-form"] [data-testid="error-`+tc.field+`"]`).Length() != 1 {
					t.Errorf("no error beside %s", tc.field)
				}
				if got := d.Find(`[data-testid="apikey-form"] input[name="name"]`).AttrOr("value", ""); got != strings.TrimSpace(tc.form.Get("name")) {
					t.Errorf("name came back as %q", got)
				}
				if d.Find(`[data-testid="new-key"]`).Length() != 0 {
					t.Error("a key was shown for a refused form")
				}
			})
		}
	})

	resp, body := b.post("/settings/apikeys", url.Values{"name": {"reporting"}, "role": {"viewer"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	plain := strings.TrimSpace(doc(t, body).Find(`[data-testid="new-key"]`).Text())
	if !strings.HasPrefix(plain, "pdk_") {
		t.Fatalf("key not shown: %q", plain)
	}

	// The key works with its role: reads yes, changes no.
	if r, body := app.apiDo(http.MethodGet, "/api/v1/campaigns", plain, "", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("new key refused: %d %s", r.StatusCode, body)
	}
	if r, _ := app.apiDo(http.MethodPost, "/api/v1/campaigns", plain, "{}", nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("viewer key changed something: %d", r.StatusCode)
	}

	_, body = b.get("/settings/apikeys")
	if strings.Contains(body, plain) {
		t.Fatal("the list shows the whole key again")
	}
	row := doc(t, body).Find(`[data-testid="apikey-row"][data-name="reporting"]`)
	if row.Length() != 1 {
		t.Fatalf("key not listed: %s", body)
	}
	if p := row.Find(`[data-testid="apikey-prefix"]`).Text(); !strings.HasPrefix(plain, strings.TrimSuffix(p, "…")) || len(p) < 8 {
		t.Errorf("prefix %q does not start the key", p)
	}
	if r := row.Find(`[data-testid="apikey-role"]`).Text(); r != "viewer" {
		t.Errorf("role %q", r)
	}
	if lu := row.Find(`[data-testid="apikey-last-used"]`).Text(); !strings.Contains(lu, "UTC") {
		t.Errorf("last used %q, want a time", lu)
	}

	k, err := app.store.ListAPIKeys(t.Context())
	if err != nil || len(k) != 1 {
		t.Fatalf("keys: %v %v", k, err)
	}
	resp, _ = b.post(fmt.Sprintf("/settings/apikeys/%d/revoke", k[0].ID), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if r, _ := app.apiDo(http.MethodGet, "/api/v1/campaigns", plain, "", nil); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked key still works: %d", r.StatusCode)
	}
	_, body = b.get("/settings/apikeys")
	row = doc(t, body).Find(`[data-testid="apikey-row"][data-name="reporting"]`)
	if row.Find(`[data-testid="apikey-revoked"]`).Length() != 1 || row.Find(`[data-testid="apikey-revoke"]`).Length() != 0 {
		t.Error("revoked key not marked, or still offers revoke")
	}
	// A second revoke is harmless and records nothing more.
	if resp, _ = b.post(fmt.Sprintf("/settings/apikeys/%d/revoke", k[0].ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("second revoke: %d", resp.StatusCode)
	}
	if resp, _ = b.post("/settings/apikeys/999/revoke", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown key: %d", resp.StatusCode)
	}

	es, err := app.store.ListAudit(t.Context(), models.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range es {
		count[e.Action]++
		if strings.Contains(e.Detail+e.Target+e.Actor, plain) {
			t.Errorf("audit entry %s holds the key", e.Action)
		}
	}
	if count["apikey_create"] != 1 || count["apikey_revoke"] != 1 {
		t.Errorf("audit counts %v", count)
	}
}
