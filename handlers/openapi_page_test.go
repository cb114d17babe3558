package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// TestAPIRefPage renders the OpenAPI document as the console's API
// reference: every operation of the document, grouped by tag, with its
// role, parameters and schemas, in English and Chinese.
func TestAPIRefPage(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	app.createUser("viewer@example.com", models.RoleViewer)
	spec := app.srv.openAPI()
	ops := 0
	for _, item := range spec.Paths.Map() {
		ops += len(item.Operations())
	}

	resp, body := b.get("/settings/api")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /settings/api = %d", resp.StatusCode)
	}
	d := doc(t, body)
	t.Run("every operation, grouped by tag", func(t *testing.T) {
		if n := d.Find(`[data-testid="apiref-op"]`).Length(); n != ops || n < 30 {
			t.Errorf("%d operations on the page, %d in the document", n, ops)
		}
		if n := d.Find(`[data-testid="apiref-tag"]`).Length(); n != len(spec.Tags) {
			t.Errorf("%d tags on the page, %d in the document", n, len(spec.Tags))
		}
		if d.Find(`[data-testid="apiref-tag"][data-tag="campaigns"] [data-testid="apiref-op"][data-method="POST"][data-path="/api/v1/campaigns"]`).Length() != 1 {
			t.Error("POST /api/v1/campaigns is not under campaigns")
		}
	})
	t.Run("role, parameters, body and answers", func(t *testing.T) {
		op := d.Find(`[data-testid="apiref-op"][data-method="GET"][data-path="/api/v1/campaigns/{id}/deliveries"]`)
		en := app.srv.cat.Localizer("en")
		want := en.T("apiref.least_role", map[string]any{"Role": en.T("role.viewer")})
		if role := op.Find(`[data-testid="apiref-role"]`).Text(); !strings.Contains(role, want) {
			t.Errorf("role %q", role)
		}
		params := op.Find(`[data-testid="apiref-params"] code`).Text()
		for _, p := range []string{"id", "status", "limit", "after"} {
			if !strings.Contains(params, p) {
				t.Errorf("parameter %s missing from %q", p, params)
			}
		}
		create := d.Find(`[data-testid="apiref-op"][data-method="POST"][data-path="/api/v1/campaigns"]`)
		if got := create.Find(`[data-testid="apiref-responses"] li[data-status="201"] a[href="#schema-Campaign"]`).Length(); got != 1 {
			t.Errorf("201 does not link the Campaign schema")
		}
		if !strings.Contains(create.Text(), "provider_id") {
			t.Error("the body's required members are not shown")
		}
		if d.Find(`#schema-Campaign`).Length() != 1 || !strings.Contains(d.Find(`#schema-Error`).Text(), "error.code") {
			t.Error("schemas missing")
		}
	})
	t.Run("links", func(t *testing.T) {
		if d.Find(`a[data-testid="apiref-json"][href="/api/v1/openapi.json"]`).Length() != 1 {
			t.Error("no link to the JSON document")
		}
		_, body := b.get("/settings")
		if doc(t, body).Find(`[data-testid="apiref-link"] a[href="/settings/api"]`).Length() != 1 {
			t.Error("settings does not link the API reference")
		}
	})
	t.Run("chinese", func(t *testing.T) {
		zh := app.srv.cat.Localizer("zh-Hans")
		_, body := b.do(http.MethodGet, "/settings/api", nil, map[string]string{"Accept-Language": "zh-CN"})
		d := doc(t, body)
		if got := d.Find(`#schemas h2`).Text(); got != zh.T("apiref.schemas") || got == "Schemas" {
			t.Errorf("zh heading %q", got)
		}
	})
	t.Run("a viewer may read it", func(t *testing.T) {
		v := app.browser()
		if resp := v.login("viewer@example.com", "password123"); resp.StatusCode >= 400 {
			t.Fatalf("login %d", resp.StatusCode)
		}
		resp, body := v.get("/settings/api")
		if resp.StatusCode != http.StatusOK || doc(t, body).Find(`[data-testid="apiref-op"]`).Length() != ops {
			t.Errorf("viewer: %d", resp.StatusCode)
		}
	})
}
