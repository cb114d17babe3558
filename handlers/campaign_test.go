package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// TestNewcomerSendsToSandbox is the foundation's whole slice: setup →
// compose → send → the campaign completes and shows the sandbox figures.
func TestNewcomerSendsToSandbox(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")

	resp, body := b.get("/campaigns/new")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("new campaign page: %d", resp.StatusCode)
	}
	if doc(t, body).Find(`select[name="provider_id"] option`).Length() != 1 {
		t.Fatalf("the sandbox account is not offered: %s", body)
	}
	resp, _ = b.post("/campaigns", url.Values{"name": {"Spring sale"}, "provider_id": {"1"}, "audience_kind": {"all"},
		"type": {"notification"}, "title": {"Hi"}, "body": {"Sale starts now"}, "click_action": {"startapp"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save draft: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	_, body = b.get(loc)
	d := doc(t, body)
	if got := d.Find(`[data-testid="progress"] [data-testid="status"]`).Text(); got != "Draft" {
		t.Fatalf("status %q, want Draft", got)
	}
	if d.Find(`[data-testid="action-send"]`).Length() != 1 {
		t.Fatal("no send button on a draft")
	}
	resp, _ = b.post(loc+"/send", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", resp.StatusCode)
	}
	// The progress partial (what htmx polls) reaches completed with figures.
	eventually(t, 10*time.Second, "completed with sandbox figures", func() bool {
		_, frag := b.do(http.MethodGet, loc+"/progress", nil, map[string]string{"HX-Request": "true"})
		pd := doc(t, frag)
		return pd.Find(`[data-testid="progress"]`).AttrOr("data-status", "") == "completed" &&
			pd.Find(`[data-testid="total"] [data-testid="received"]`).Text() != ""
	})
	_, body = b.get(loc)
	d = doc(t, body)
	if got := d.Find(`[data-testid="total"] td`).Eq(1).Text(); got != "10,000" {
		t.Errorf("target %q, want 10,000 (the sandbox fleet)", got)
	}
	if d.Find(`[data-testid="events"] tbody tr`).Length() != 2 {
		t.Errorf("want draft→sending→completed recorded: %s", d.Find(`[data-testid="events"]`).Text())
	}
	_, body = b.get("/")
	if !strings.Contains(doc(t, body).Find(`[data-testid="recent-campaigns"]`).Text(), "Spring sale") {
		t.Error("dashboard does not list the campaign")
	}
}

// TestComposerValidation: errors beside the fields, values kept, 422, and
// nothing written.
func TestComposerValidation(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	long := strings.Repeat("长", 257)
	tests := []struct {
		name   string
		form   url.Values
		errors []string
		kept   map[string]string
	}{
		{"empty title", url.Values{"name": {"N"}, "provider_id": {"1"}, "audience_kind": {"all"}, "type": {"notification"}, "body": {"b"}},
			[]string{"title"}, map[string]string{"name": "N"}},
		{"body too long", url.Values{"name": {"N"}, "provider_id": {"1"}, "audience_kind": {"all"}, "type": {"notification"}, "title": {"T"}, "body": {long}},
			[]string{"body"}, map[string]string{"title": "T", "body": long}},
		{"bad url, ext and speed", url.Values{"name": {"N"}, "provider_id": {"1"}, "audience_kind": {"all"}, "type": {"notification"}, "title": {"T"}, "body": {"B"},
			"click_action": {"url"}, "click_value": {"javascript:alert(1)"}, "ext": {"[1,2]"}, "speed": {"fast"}},
			[]string{"click_value", "ext", "speed"}, map[string]string{"click_value": "javascript:alert(1)", "ext": "[1,2]", "speed": "fast"}},
		{"cid list empty", url.Values{"name": {"N"}, "provider_id": {"1"}, "audience_kind": {"cid"}, "type": {"notification"}, "title": {"T"}, "body": {"B"}},
			[]string{"audience_values"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post("/campaigns", tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			d := doc(t, body)
			for _, f := range tc.errors {
				if d.Find(fmt.Sprintf(`[data-testid="field-%s"] [data-testid="error-%s"]`, f, f)).Length() != 1 {
					t.Errorf("no error beside %s", f)
				}
			}
			for f, want := range tc.kept {
				sel := d.Find(fmt.Sprintf(`[name="%s"]`, f))
				got := sel.AttrOr("value", sel.Text())
				if got != want {
					t.Errorf("%s = %q, want the typed %q", f, got, want)
				}
			}
		})
	}
	cs, _, err := app.store.ListCampaigns(t.Context(), models.CampaignFilter{})
	if err != nil || len(cs) != 0 {
		t.Fatalf("invalid forms wrote %d campaigns (%v)", len(cs), err)
	}
}

func TestCampaignAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	good := `{"name":"API sale","provider_id":1,"audience":{"kind":"cid","values":["sandbox-0000001","sandbox-0000002","invalid-nope"]},
		"message":{"type":"notification","title":"Hi","body":"Now","click":{"action":"url","url":"https://example.com"},"ext":{"k":"v"}},
		"options":{"speed":1000,"ttl_seconds":43200},"schedule_at":null}`

	t.Run("validation 422 with fields", func(t *testing.T) {
		resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, `{"name":"","provider_id":1,"audience":{"kind":"all"},"message":{"type":"notification","title":"","body":"`+strings.Repeat("x", 300)+`"}}`, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var e struct {
			Error struct {
				Code   string            `json:"code"`
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"name", "message.title", "message.body"} {
			if e.Error.Fields[f] == "" {
				t.Errorf("no error for %s: %s", f, body)
			}
		}
	})
	t.Run("malformed JSON 400", func(t *testing.T) {
		for _, b := range []string{`{`, `{"name": 5}`, `{"nope": 1}`, `{} {}`, ``} {
			resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, b, nil)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "malformed_json") {
				t.Errorf("%q: %d %s", b, resp.StatusCode, body)
			}
		}
	})
	t.Run("unknown provider 422", func(t *testing.T) {
		resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, strings.Replace(good, `"provider_id":1`, `"provider_id":99`, 1), nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "provider_id") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})

	resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, good, map[string]string{"Idempotency-Key": "k-1"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var c struct {
		ID     int64         `json:"id"`
		Status string        `json:"status"`
		Totals models.Totals `json:"totals"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil || c.ID == 0 || c.Status != "draft" {
		t.Fatalf("created body: %s", body)
	}
	resp, body = app.apiDo(http.MethodPost, "/api/v1/campaigns", key, good, map[string]string{"Idempotency-Key": "k-1"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`"id":%d`, c.ID)) {
		t.Fatalf("idempotent retry: %d %s", resp.StatusCode, body)
	}
	path := fmt.Sprintf("/api/v1/campaigns/%d", c.ID)
	if resp, body = app.apiDo(http.MethodPost, path+"/pause", key, "", nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("pause a draft: %d %s", resp.StatusCode, body)
	}
	if resp, body = app.apiDo(http.MethodPost, path+"/send", key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", resp.StatusCode, body)
	}
	eventually(t, 10*time.Second, "campaign completed", func() bool {
		_, body = app.apiDo(http.MethodGet, path, key, "", nil)
		return strings.Contains(body, `"status":"completed"`)
	})
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	want := models.Totals{Recipients: 3, Accepted: 2, Invalid: 1}
	if c.Totals != want {
		t.Errorf("totals %+v, want %+v", c.Totals, want)
	}
	_, body = app.apiDo(http.MethodGet, path+"/deliveries?status=invalid", key, "", nil)
	if !strings.Contains(body, `"cid":"invalid-nope"`) || !strings.Contains(body, `"next_after":null`) || !strings.Contains(body, `"request_id":"pd`) {
		t.Errorf("deliveries: %s", body)
	}
	_, body = app.apiDo(http.MethodGet, "/api/v1/campaigns?limit=1", key, "", nil)
	if !strings.Contains(body, `"items":[`) || !strings.Contains(body, `"next_after":null`) {
		t.Errorf("list: %s", body)
	}
	if resp, _ := app.apiDo(http.MethodPost, path+"/cancel", key, "", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("cancel a completed campaign: %d, want 409", resp.StatusCode)
	}
}
