package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

func TestTemplatesAPI(t *testing.T) {
	app := newTestApp(t)
	op, viewer := app.apiKey(models.RoleOperator), app.apiKey(models.RoleViewer)
	pid := app.sandboxID()

	// A template with options and fields beyond title and body keeps them all.
	resp, body := app.apiDo(http.MethodPost, "/api/v1/templates", op,
		`{"name":"Welcome","kind":"sandbox","message":{"type":"notification","title":" Hi ","body":"Welcome aboard","ext":{"k":"v"}}}`, nil)
	tp := apiJSON(t, resp, body, http.StatusCreated)
	id := int64(tp["id"].(float64))
	msg, _ := tp["message"].(map[string]any)
	if msg["title"] != "Hi" || tp["kind"] != "sandbox" || tp["used_by"] != float64(0) {
		t.Fatalf("created %s", body)
	}

	t.Run("viewers read, operators write", func(t *testing.T) {
		if r, _ := app.apiDo(http.MethodPost, "/api/v1/templates", viewer, `{}`, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("viewer create: %d", r.StatusCode)
		}
		r, b := app.apiDo(http.MethodGet, "/api/v1/templates", viewer, "", nil)
		page := apiJSON(t, r, b, http.StatusOK)
		if items, _ := page["items"].([]any); len(items) != 1 || page["next_after"] != nil {
			t.Errorf("list %s", b)
		}
	})
	t.Run("the kind's message rules refuse with fields", func(t *testing.T) {
		r, b := app.apiDo(http.MethodPost, "/api/v1/templates", op,
			`{"name":"","kind":"sandbox","message":{"type":"notification","title":"","ttl":5}}`, nil)
		f := apiFields(t, r, b)
		for _, k := range []string{"name", "message.title", "message.ttl"} {
			if _, ok := f[k]; !ok {
				t.Errorf("no error on %s: %v", k, f)
			}
		}
		r, b = app.apiDo(http.MethodPost, "/api/v1/templates", op, `{"name":"x","kind":"nope","message":{}}`, nil)
		if f := apiFields(t, r, b); f["kind"] == nil {
			t.Errorf("unknown kind: %v", f)
		}
		r, b = app.apiDo(http.MethodPost, "/api/v1/templates", op,
			fmt.Sprintf(`{"name":"Welcome","kind":"sandbox","message":{"title":"a","body":"%s"}}`, strings.Repeat("b", 10)), nil)
		if f := apiFields(t, r, b); f["name"] == nil {
			t.Errorf("name taken: %v", f)
		}
	})
	t.Run("a campaign from template_id takes its message and keeps the id", func(t *testing.T) {
		r, b := app.apiDo(http.MethodPost, "/api/v1/campaigns", op,
			fmt.Sprintf(`{"name":"from tpl","provider_id":%d,"audience":{"kind":"all"},"template_id":%d}`, pid, id), nil)
		cm := apiJSON(t, r, b, http.StatusCreated)
		m, _ := cm["message"].(map[string]any)
		if m["title"] != "Hi" || m["body"] != "Welcome aboard" || cm["template_id"] != float64(id) {
			t.Fatalf("campaign %s", b)
		}
		r, b = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%v", cm["id"]), viewer, "", nil)
		if got := apiJSON(t, r, b, http.StatusOK); got["template_id"] != float64(id) {
			t.Errorf("GET %s", b)
		}
		r, b = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/templates/%d", id), viewer, "", nil)
		if got := apiJSON(t, r, b, http.StatusOK); got["used_by"] != float64(1) {
			t.Errorf("used_by %s", b)
		}
		r, b = app.apiDo(http.MethodPatch, fmt.Sprintf("/api/v1/campaigns/%v", cm["id"]), op, fmt.Sprintf(`{"template_id":%d}`, id),
			map[string]string{"Content-Type": "application/merge-patch+json"})
		if f := apiFields(t, r, b); f["template_id"] == nil {
			t.Errorf("patch template_id: %v", f)
		}
	})
	t.Run("a template of another kind or none is a 422 on template_id", func(t *testing.T) {
		r, b := app.apiDo(http.MethodPost, "/api/v1/templates", op,
			`{"name":"Other kind","kind":"getui","message":{"type":"notification","title":"Hi","body":"there"}}`, nil)
		other := int64(apiJSON(t, r, b, http.StatusCreated)["id"].(float64))
		for _, tid := range []int64{other, 999} {
			r, b = app.apiDo(http.MethodPost, "/api/v1/campaigns", op,
				fmt.Sprintf(`{"name":"x","provider_id":%d,"audience":{"kind":"all"},"template_id":%d}`, pid, tid), nil)
			if f := apiFields(t, r, b); f["template_id"] == nil {
				t.Errorf("template %d: %v", tid, f)
			}
		}
	})
	t.Run("update and delete", func(t *testing.T) {
		r, b := app.apiDo(http.MethodPut, fmt.Sprintf("/api/v1/templates/%d", id), op,
			`{"name":"Welcome v2","kind":"sandbox","message":{"type":"notification","title":"Hey","body":"b"}}`, nil)
		if got := apiJSON(t, r, b, http.StatusOK); got["name"] != "Welcome v2" {
			t.Errorf("put %s", b)
		}
		if r, b := app.apiDo(http.MethodDelete, fmt.Sprintf("/api/v1/templates/%d", id), op, "", nil); r.StatusCode != http.StatusNoContent {
			t.Fatalf("delete %d %s", r.StatusCode, b)
		}
		if r, _ := app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/templates/%d", id), viewer, "", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("deleted: %d", r.StatusCode)
		}
	})
}
