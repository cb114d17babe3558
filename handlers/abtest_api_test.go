package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// abBody is a campaign body with the given variants JSON and options.
func abBody(pid int64, variants, options string) string {
	return fmt.Sprintf(`{"name":"ab","provider_id":%d,"audience":{"kind":"cid","values":["a","b","c"]},"variants":%s,"options":%s}`,
		pid, variants, options)
}

func abVariant(name string, share int, title string) string {
	return fmt.Sprintf(`{"name":%q,"share":%d,"message":{"type":"notification","title":%q,"body":"Hello"}}`, name, share, title)
}

func TestABCampaignAPI(t *testing.T) {
	app := newTestApp(t)
	op := app.apiKey(models.RoleOperator)
	pid := app.sandboxID()
	two := "[" + abVariant("A", 40, "Hi") + "," + abVariant("B", 60, "Hello there") + "]"

	resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", op,
		abBody(pid, two, `{"ab_test":{"sample_percent":20,"wait_seconds":3600,"metric":"click"}}`), nil)
	cm := apiJSON(t, resp, body, http.StatusCreated)
	vs, _ := cm["variants"].([]any)
	msg, _ := cm["message"].(map[string]any)
	if len(vs) != 2 || msg["title"] != "Hi" {
		t.Fatalf("created %s", body)
	}
	id := int64(cm["id"].(float64))

	t.Run("bad variants are refused by field", func(t *testing.T) {
		cases := []struct {
			name, variants, options, field string
		}{
			{"shares not 100", "[" + abVariant("A", 40, "x") + "," + abVariant("B", 50, "y") + "]", `{}`, "variants[1].share"},
			{"share out of range", "[" + abVariant("A", 0, "x") + "," + abVariant("B", 100, "y") + "]", `{}`, "variants[0].share"},
			{"one variant", "[" + abVariant("A", 100, "x") + "]", `{}`, "variants"},
			{"six variants", "[" + strings.Repeat(abVariant("A", 10, "x")+",", 5) + abVariant("F", 50, "y") + "]", `{}`, "variants"},
			{"same name", "[" + abVariant("A", 50, "x") + "," + abVariant("A", 50, "y") + "]", `{}`, "variants[1].name"},
			{"bad message", "[" + abVariant("A", 50, "") + "," + abVariant("B", 50, "y") + "]", `{}`, "variants[0].message.title"},
			{"test without variants", "[]", `{"ab_test":{"sample_percent":10,"wait_seconds":60}}`, "options.ab_test"},
			{"sample too large", two, `{"ab_test":{"sample_percent":95,"wait_seconds":60}}`, "options.ab_test.sample_percent"},
			{"no wait", two, `{"ab_test":{"sample_percent":10,"wait_seconds":0}}`, "options.ab_test.wait_seconds"},
			{"unknown metric", two, `{"ab_test":{"sample_percent":10,"wait_seconds":60,"metric":"opens"}}`, "options.ab_test.metric"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r, b := app.apiDo(http.MethodPost, "/api/v1/campaigns", op, abBody(pid, tc.variants, tc.options), nil)
				if f := apiFields(t, r, b); f[tc.field] == nil {
					t.Errorf("no error on %s: %s", tc.field, b)
				}
			})
		}
		r, b := app.apiDo(http.MethodPost, "/api/v1/campaigns", op, fmt.Sprintf(
			`{"name":"ab","provider_id":%d,"audience":{"kind":"all"},"message":{"title":"x","body":"y"},"variants":%s}`, pid, two), nil)
		if f := apiFields(t, r, b); f["message"] == nil {
			t.Errorf("message and variants: %s", b)
		}
	})
	t.Run("a patch replaces the variants", func(t *testing.T) {
		three := "[" + abVariant("A", 34, "One") + "," + abVariant("B", 33, "Two") + "," + abVariant("C", 33, "Three") + "]"
		r, b := app.apiDo(http.MethodPatch, fmt.Sprintf("/api/v1/campaigns/%d", id), op, `{"variants":`+three+`}`, nil)
		got := apiJSON(t, r, b, http.StatusOK)
		if vs, _ := got["variants"].([]any); len(vs) != 3 {
			t.Fatalf("patched %s", b)
		}
	})
	t.Run("a draft takes no winner", func(t *testing.T) {
		r, b := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/winner", id), op, `{"variant":1}`, nil)
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("winner of a draft: %d %s", r.StatusCode, b)
		}
		r, b = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/winner", id), op, `{"variant":7}`, nil)
		if f := apiFields(t, r, b); f["variant"] == nil {
			t.Fatalf("variant 7: %s", b)
		}
		r, b = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/winner", id), op, `{}`, nil)
		if f := apiFields(t, r, b); f["variant"] == nil {
			t.Fatalf("no variant: %s", b)
		}
	})
	t.Run("variants side by side", func(t *testing.T) {
		r, b := app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/variants", id), op, "", nil)
		got := apiJSON(t, r, b, http.StatusOK)
		if items, _ := got["items"].([]any); len(items) != 3 || got["metric"] != "click" {
			t.Fatalf("variants %s", b)
		}
	})
}
