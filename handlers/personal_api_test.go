package handlers

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// TestPreviewAPI: POST /api/v1/campaigns/preview renders for a device,
// names the placeholders no device has, counts the audience share that
// falls back, and refuses a message that does not parse with the field.
func TestPreviewAPI(t *testing.T) {
	app := newTestApp(t)
	op := app.apiKey(models.RoleOperator)
	pid := app.sandboxID()
	r, b := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/devices?provider_id=%d", pid), op,
		`[{"cid":"dev-ann","region":"north","attributes":{"name":"Ann <b>"}},{"cid":"dev-none"},{"cid":"dev-bob","attributes":{"name":"Bob"}}]`, nil)
	apiJSON(t, r, b, http.StatusOK)
	msg := `{"type":"notification","title":"Hi {{ name | default: \"there\" }}","body":"{{ region | default: \"everywhere\" }} {{ nickname }}!"}`

	t.Run("rendered for a device", func(t *testing.T) {
		r, b := app.apiDo(http.MethodPost, "/api/v1/campaigns/preview", op,
			fmt.Sprintf(`{"provider_id":%d,"cid":"dev-ann","message":%s,"audience":{"kind":"all"}}`, pid, msg), nil)
		got := apiJSON(t, r, b, http.StatusOK)
		m, _ := got["message"].(map[string]any)
		if m["title"] != "Hi Ann <b>" || m["body"] != "north !" || got["falls_back"] != true || got["personalized"] != true {
			t.Fatalf("preview %s", b)
		}
		if u, _ := got["unknown"].([]any); len(u) != 1 || u[0] != "nickname" {
			t.Errorf("unknown %v", got["unknown"])
		}
		fb, _ := got["fallback"].(map[string]any)
		if fb["total"] != float64(3) || fb["count"] != float64(3) {
			t.Errorf("fallback %v: nickname is on no device, so every one falls back", fb)
		}
	})
	t.Run("fallback share of a known attribute", func(t *testing.T) {
		r, b := app.apiDo(http.MethodPost, "/api/v1/campaigns/preview", op,
			fmt.Sprintf(`{"provider_id":%d,"message":{"type":"notification","title":"Hi {{ name | default: \"there\" }}","body":"b"},"audience":{"kind":"all"}}`, pid), nil)
		got := apiJSON(t, r, b, http.StatusOK)
		m, _ := got["message"].(map[string]any)
		fb, _ := got["fallback"].(map[string]any)
		if m["title"] != "Hi there" || fb["count"] != float64(1) || fb["total"] != float64(3) {
			t.Fatalf("preview %s", b)
		}
	})
	t.Run("refusals name the field", func(t *testing.T) {
		for _, tc := range []struct{ body, field string }{
			{fmt.Sprintf(`{"provider_id":%d,"message":{"type":"notification","title":"Hi {{ name","body":"b"}}`, pid), "message.title"},
			{fmt.Sprintf(`{"provider_id":%d,"message":{"type":"notification","title":"t","body":"{{ a | upper }}"}}`, pid), "message.body"},
			{fmt.Sprintf(`{"provider_id":%d,"cid":"nope","message":{"type":"notification","title":"{{ a }}","body":"b"}}`, pid), "cid"},
			{`{"provider_id":999999,"message":{}}`, "provider_id"},
		} {
			r, b := app.apiDo(http.MethodPost, "/api/v1/campaigns/preview", op, tc.body, nil)
			if f := apiFields(t, r, b); f[tc.field] == nil {
				t.Errorf("%s: fields %v", tc.body, f)
			}
		}
	})
	t.Run("a campaign refuses a template that does not parse", func(t *testing.T) {
		r, b := app.apiDo(http.MethodPost, "/api/v1/campaigns", op,
			fmt.Sprintf(`{"name":"p","provider_id":%d,"audience":{"kind":"all"},"message":{"type":"notification","title":"Hi {{ name | default: \"x }}","body":"b"}}`, pid), nil)
		if f := apiFields(t, r, b); f["message.title"] == nil {
			t.Errorf("fields %v", f)
		}
	})
}
