package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

func TestWebhookAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleAdmin)
	resp, body := app.apiDo(http.MethodPost, "/api/v1/webhooks", key, `{"url":"https://hooks.example.com/in","events":["campaign.completed","batch.failed"]}`, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var created apiWebhook
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	if created.ID == 0 || !strings.HasPrefix(created.Secret, "whsec_") || len(created.Events) != 2 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("created %+v", created)
	}
	path := fmt.Sprintf("/api/v1/webhooks/%d", created.ID)
	for _, p := range []string{"/api/v1/webhooks", path} {
		resp, body = app.apiDo(http.MethodGet, p, key, "", nil)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, created.Secret[6:]) || strings.Contains(body, `"secret"`) {
			t.Errorf("GET %s: %d, shows the secret: %s", p, resp.StatusCode, body)
		}
	}

	t.Run("bad input names the field", func(t *testing.T) {
		tests := []struct{ name, method, path, body, field string }{
			{"create ftp", http.MethodPost, "/api/v1/webhooks", `{"url":"ftp://x.example.com","events":["campaign.failed"]}`, "url"},
			{"create no events", http.MethodPost, "/api/v1/webhooks", `{"url":"https://x.example.com"}`, "events"},
			{"create unknown event", http.MethodPost, "/api/v1/webhooks", `{"url":"https://x.example.com","events":["nope"]}`, "events"},
			{"patch url", http.MethodPatch, path, `{"url":"https://x.example.com/?q=1"}`, "url"},
			{"patch events", http.MethodPatch, path, `{"events":[]}`, "events"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := app.apiDo(tc.method, tc.path, key, tc.body, nil)
				var e struct {
					Error struct{ Fields map[string]string } `json:"error"`
				}
				if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != http.StatusUnprocessableEntity || e.Error.Fields[tc.field] == "" {
					t.Errorf("%d %s, want 422 on %s", resp.StatusCode, body, tc.field)
				}
			})
		}
		if resp, body := app.apiDo(http.MethodGet, "/api/v1/webhooks", key, "", nil); resp.StatusCode != http.StatusOK || strings.Count(body, `"id"`) != 1 {
			t.Errorf("a refused request wrote something: %s", body)
		}
	})

	t.Run("operators may not", func(t *testing.T) {
		op := app.apiKey(models.RoleOperator)
		if resp, _ := app.apiDo(http.MethodGet, "/api/v1/webhooks", op, "", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("operator list: %d", resp.StatusCode)
		}
	})

	resp, body = app.apiDo(http.MethodPatch, path, key, `{"disabled":true,"events":["import.finished"]}`, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"disabled":true`) || !strings.Contains(body, `"events":["import.finished"]`) {
		t.Errorf("patch: %d %s", resp.StatusCode, body)
	}
	resp, body = app.apiDo(http.MethodPost, path+"/test", key, "", nil)
	var queued struct {
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal([]byte(body), &queued); err != nil || resp.StatusCode != http.StatusAccepted || queued.EventID == "" {
		t.Fatalf("test: %d %s", resp.StatusCode, body)
	}
	resp, body = app.apiDo(http.MethodGet, path+"/deliveries", key, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, queued.EventID) || !strings.Contains(body, `"state":"pending"`) {
		t.Errorf("deliveries: %d %s", resp.StatusCode, body)
	}
	if resp, body := app.apiDo(http.MethodDelete, path, key, "", nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: %d %s", resp.StatusCode, body)
	}
	if resp, _ := app.apiDo(http.MethodGet, path, key, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after delete: %d", resp.StatusCode)
	}
}

func TestWebhookPages(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")

	resp, body := b.post("/settings/webhooks", url.Values{"url": {"not a url"}, "events": {"campaign.failed"}})
	d := doc(t, body)
	if resp.StatusCode != http.StatusUnprocessableEntity || d.Find(`[data-testid="error-url"]`).Length() != 1 ||
		d.Find(`[data-testid="event-campaign.failed"][checked]`).Length() != 1 {
		t.Fatalf("bad URL: %d, form not re-rendered with the error and the choice", resp.StatusCode)
	}
	resp, body = b.post("/settings/webhooks", url.Values{"url": {"https://hooks.example.com/in"}, "events": {"campaign.failed", "import.finished"}})
	d = doc(t, body)
	secret := d.Find(`[data-testid="new-secret"]`).Text()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(secret, "whsec_") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d, secret %q", resp.StatusCode, secret)
	}
	_, body = b.get("/settings/webhooks")
	if strings.Contains(body, secret) || doc(t, body).Find(`[data-testid="webhook-row"]`).Length() != 1 {
		t.Error("the list shows the secret again, or not the endpoint")
	}
	es, err := app.store.ListWebhooks(t.Context())
	if err != nil || len(es) != 1 {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/settings/webhooks/%d", es[0].ID)
	resp, body = b.do(http.MethodPost, page+"/test", url.Values{"csrf_token": {b.csrf}}, map[string]string{"HX-Request": "true"})
	if resp.StatusCode != http.StatusOK || doc(t, body).Find(`[data-testid="webhook-delivery"][data-state="pending"]`).Length() != 1 {
		t.Errorf("test event: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.post(page, url.Values{"url": {"https://hooks.example.com/v2"}, "events": {"batch.failed"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("save: %d", resp.StatusCode)
	}
	if e, err := app.store.WebhookByID(t.Context(), es[0].ID); err != nil || e.URL != "https://hooks.example.com/v2" || !e.Disabled {
		t.Errorf("after save %+v %v (the unchecked switch disables)", e, err)
	}
	if resp, _ := b.post(page+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if es, _ := app.store.ListWebhooks(t.Context()); len(es) != 0 {
		t.Errorf("%d endpoints after delete", len(es))
	}
}

// TestWebhookAnswersMatchDocument: every webhook answer, errors included,
// is what the OpenAPI document says.
func TestWebhookAnswersMatchDocument(t *testing.T) {
	app := newTestApp(t)
	a := newAnswerChecker(t, app)
	st, body := a.do(t, http.MethodPost, "/api/v1/webhooks", `{"url":"https://hooks.example.com/in","events":["campaign.started"]}`, nil)
	var e apiWebhook
	if err := json.Unmarshal([]byte(body), &e); err != nil || st != http.StatusCreated {
		t.Fatalf("create: %d %s", st, body)
	}
	p := fmt.Sprintf("/api/v1/webhooks/%d", e.ID)
	a.do(t, http.MethodPost, "/api/v1/webhooks", `{"url":"ftp://x","events":[]}`, nil)
	a.do(t, http.MethodGet, "/api/v1/webhooks", "", nil)
	a.do(t, http.MethodGet, p, "", nil)
	a.do(t, http.MethodPatch, p, `{"disabled":true}`, nil)
	a.do(t, http.MethodPost, p+"/test", "", nil)
	a.do(t, http.MethodGet, p+"/deliveries", "", nil)
	a.do(t, http.MethodDelete, p, "", nil)
	a.do(t, http.MethodGet, p, "", nil)
}
