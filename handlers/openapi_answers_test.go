package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOpenAPIAnswersMatch drives the API through a campaign's life on the
// sandbox provider and checks every answer, errors included, against the
// served document.
func TestOpenAPIAnswersMatch(t *testing.T) {
	app := newTestApp(t)
	a := newAnswerChecker(t, app)
	id := func(body string) int64 {
		t.Helper()
		var v struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal([]byte(body), &v); err != nil || v.ID == 0 {
			t.Fatalf("no id in %s: %v", body, err)
		}
		return v.ID
	}
	_, body := a.do(t, http.MethodPost, "/api/v1/providers", `{"name":"sb","kind":"sandbox","credentials":{}}`, nil)
	pid := id(body)
	pq := fmt.Sprintf("?provider_id=%d", pid)
	steps := []struct{ method, path, body string }{
		{http.MethodGet, "/healthz", ""},
		{http.MethodGet, "/api/v1/providers", ""},
		{http.MethodPatch, fmt.Sprintf("/api/v1/providers/%d", pid), `{"rate_limit":50}`},
		{http.MethodPost, fmt.Sprintf("/api/v1/providers/%d/test", pid), ""},
		{http.MethodPost, "/api/v1/devices" + pq, `[{"cid":"a","tags":["vip"]},{"cid":"b","platform":"ios"},{"cid":"c"}]`},
		{http.MethodGet, "/api/v1/devices" + pq + "&limit=2", ""},
		{http.MethodGet, "/api/v1/devices/tags" + pq, ""},
		{http.MethodPost, "/api/v1/devices/tags" + pq, `{"cids":["a","zz"],"add":["x"]}`},
		{http.MethodPost, "/api/v1/devices/alias" + pq, `{"cids":["b"],"alias":"bob"}`},
		{http.MethodPost, "/api/v1/audience/preview", fmt.Sprintf(`{"provider_id":%d,"audience":{"kind":"tag","values":["vip"]}}`, pid)},
		{http.MethodGet, "/api/v1/segments", ""},
		{http.MethodGet, "/api/v1/campaigns?limit=1", ""},
		// Errors carry the contract's shape.
		{http.MethodGet, "/api/v1/campaigns/999", ""},
		{http.MethodGet, "/api/v1/campaigns?status=nope", ""},
		{http.MethodPost, "/api/v1/campaigns", `{"name":`},
		{http.MethodPost, "/api/v1/campaigns", `{"name":"","provider_id":1,"audience":{"kind":"all"},"message":{"type":"notification"}}`},
	}
	for _, s := range steps {
		a.do(t, s.method, s.path, s.body, nil)
	}
	_, body = a.do(t, http.MethodPost, "/api/v1/segments", `{"name":"vip","tree":{"field":"tag","op":"in","values":["vip"]}}`, nil)
	seg := fmt.Sprintf("/api/v1/segments/%d", id(body))
	a.do(t, http.MethodGet, seg, "", nil)
	a.do(t, http.MethodPut, seg, `{"name":"vip2","tree":{"field":"tag","op":"in","values":["vip"]}}`, nil)
	a.do(t, http.MethodDelete, seg, "", nil)

	draft := fmt.Sprintf(`{"name":"Spring","provider_id":%d,"group":"g1","audience":{"kind":"cid","values":["a","b","c"]},`+
		`"message":{"type":"notification","title":"Hi","body":"Sale","click":{"action":"url","url":"https://example.com"}},"options":{"speed":0}}`, pid)
	if st, body := a.do(t, http.MethodPost, "/api/v1/campaigns", draft, map[string]string{"Idempotency-Key": "k1"}); st != http.StatusCreated {
		t.Fatalf("create = %d %s", st, body)
	}
	_, body = a.do(t, http.MethodPost, "/api/v1/campaigns", draft, map[string]string{"Idempotency-Key": "k1"})
	if !strings.Contains(body, `"audience":{"kind":"cid","count":3,"values":["a","b","c"]}`) {
		t.Errorf("the repeated create answers another audience: %s", body)
	}
	c := fmt.Sprintf("/api/v1/campaigns/%d", id(body))
	a.do(t, http.MethodPatch, c, `{"name":"Spring sale","schedule_at":null}`, map[string]string{"Content-Type": "application/merge-patch+json"})
	a.do(t, http.MethodGet, c+"/audience?limit=2", "", nil)
	a.do(t, http.MethodPost, c+"/test", `{"cids":["a"]}`, nil)
	a.do(t, http.MethodPost, c+"/pause", "", nil)
	a.do(t, http.MethodPost, c+"/send", "", nil)
	eventually(t, 10*time.Second, "the campaign completes", func() bool {
		_, body := app.apiDo(http.MethodGet, c, a.key, "", nil)
		var v struct {
			Status string `json:"status"`
		}
		return json.Unmarshal([]byte(body), &v) == nil && v.Status == "completed"
	})
	for _, p := range []string{c, c + "/deliveries?limit=2", c + "/deliveries.csv", c + "/stats", "/api/v1/groups/g1/stats", "/api/v1/campaigns"} {
		a.do(t, http.MethodGet, p, "", nil)
	}
	a.do(t, http.MethodPost, c+"/cancel", "", nil)
	a.do(t, http.MethodPost, c+"/resend-failed", "", nil)
	a.do(t, http.MethodPost, c+"/duplicate", `{"name":"Copy"}`, nil)
	a.do(t, http.MethodPost, "/api/v1/devices/delete"+pq, `{"cids":["c"]}`, nil)
	a.do(t, http.MethodPost, "/api/v1/devices/import"+pq, "cid,tags\nd,vip\n,x\n", map[string]string{"Content-Type": "text/csv"})
}
