package jpushfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// call sends a raw request with the fake's credentials (or auth when set).
func call(t *testing.T, s *Server, method, path, body, auth string) (int, errorAnswer, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth == "" {
		req.SetBasicAuth(s.AppKey(), DefaultMasterSecret)
	} else {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var e errorAnswer
	_ = json.Unmarshal(raw, &e) // a success has no error body
	return resp.StatusCode, e, raw, resp.Header
}

func issue(t *testing.T, s *Server) string {
	t.Helper()
	_, _, raw, _ := call(t, s, http.MethodGet, PathCID+"?count=1&type=push", "", "")
	var ans struct {
		CIDList []string `json:"cidlist"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || len(ans.CIDList) != 1 || !strings.HasPrefix(ans.CIDList[0], s.AppKey()+"-") {
		t.Fatalf("cid answer %s", raw)
	}
	return ans.CIDList[0]
}

func TestFakeRefusesWhatJPushRefuses(t *testing.T) {
	s := New(t)
	cid := issue(t, s)
	ok := `{"platform":"all","audience":{"registration_id":["r1"]},"notification":{"android":{"alert":"hi"}},"options":{"sendno":1}}`
	ids := make([]string, 1001)
	for i := range ids {
		ids[i] = "r"
	}
	manyIDs, _ := json.Marshal(map[string]any{"platform": "all", "audience": map[string]any{"registration_id": ids}, "message": map[string]any{"msg_content": "x"}})
	big := `{"platform":"all","audience":"all","message":{"msg_content":"` + strings.Repeat("x", 4001) + `"}}`
	tests := []struct {
		name         string
		method, path string
		body, auth   string
		status, code int
	}{
		{"no auth", http.MethodPost, PathPush, ok, "Basic bm9wZQ==", 401, 1004},
		{"GET push", http.MethodGet, PathPush, "", "", 405, 1001},
		{"unknown key", http.MethodPost, PathPush, strings.Replace(ok, `"platform"`, `"colour":1,"platform"`, 1), "", 400, 1009},
		{"unknown android key", http.MethodPost, PathPush, strings.Replace(ok, `"alert":"hi"`, `"alert":"hi","subtitle":"x"`, 1), "", 400, 1009},
		{"wrong type", http.MethodPost, PathPush, strings.Replace(ok, `"sendno":1`, `"sendno":"1"`, 1), "", 400, 1003},
		{"no platform", http.MethodPost, PathPush, strings.Replace(ok, `"platform":"all",`, ``, 1), "", 400, 1002},
		{"bad platform", http.MethodPost, PathPush, strings.Replace(ok, `"platform":"all"`, `"platform":["symbian"]`, 1), "", 400, 1003},
		{"no content", http.MethodPost, PathPush, `{"platform":"all","audience":"all"}`, "", 400, 1002},
		{"android without alert", http.MethodPost, PathPush, strings.Replace(ok, `"alert":"hi"`, `"title":"t"`, 1), "", 400, 1002},
		{"too many ids", http.MethodPost, PathPush, string(manyIDs), "", 400, 1003},
		{"too large", http.MethodPost, PathPush, big, "", 400, 1005},
		{"ttl over 10 days", http.MethodPost, PathPush, strings.Replace(ok, `"sendno":1`, `"time_to_live":864001`, 1), "", 400, 1003},
		{"big push too long", http.MethodPost, PathPush, strings.Replace(ok, `"sendno":1`, `"big_push_duration":1401`, 1), "", 400, 1003},
		{"unknown vendor", http.MethodPost, PathPush, strings.Replace(ok, `"sendno":1`, `"third_party_channel":{"flyme":{}}`, 1), "", 400, 1003},
		{"made-up cid", http.MethodPost, PathPush, strings.Replace(ok, `{"platform"`, `{"cid":"`+s.AppKey()+`-00000000-0000-0000-0000-000000000000","platform"`, 1), "", 400, 1003},
		{"no device matched", http.MethodPost, PathPush, strings.Replace(ok, `"r1"`, `"gone"`, 1), "", 400, 1011},
		{"report without ids", http.MethodGet, PathReceived, "", "", 400, 1002},
	}
	s.SetInvalid("gone")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, e, raw, h := call(t, s, tc.method, tc.path, tc.body, tc.auth)
			if status != tc.status || e.Error.Code != tc.code {
				t.Errorf("HTTP %d %s, want %d with code %d", status, raw, tc.status, tc.code)
			}
			if h.Get("X-Rate-Limit-Limit") == "" || h.Get("X-Rate-Limit-Remaining") == "" || h.Get("X-Rate-Limit-Reset") == "" {
				t.Errorf("rate-limit headers missing: %v", h)
			}
		})
	}
	if len(s.Pushes()) != 0 {
		t.Errorf("refused pushes were carried out: %+v", s.Pushes())
	}
	// The issued cid works, and its repeat is answered, not pushed.
	body := strings.Replace(ok, `{"platform"`, `{"cid":"`+cid+`","platform"`, 1)
	_, _, first, _ := call(t, s, http.MethodPost, PathPush, body, "")
	_, _, again, _ := call(t, s, http.MethodPost, PathPush, body, "")
	if !bytes.Equal(first, again) || len(s.Pushes()) != 1 || len(s.Deliveries("r1")) != 1 {
		t.Errorf("answers %s / %s, %d pushes, r1 got %v", first, again, len(s.Pushes()), s.Deliveries("r1"))
	}
	// Validate checks without delivering.
	status, _, _, _ := call(t, s, http.MethodPost, PathValidate, ok, "")
	if status != http.StatusOK || len(s.Pushes()) != 1 {
		t.Errorf("validate: HTTP %d, %d pushes", status, len(s.Pushes()))
	}
}

func TestFakeEnforcedRateLimit(t *testing.T) {
	s := New(t)
	s.EnforceRateLimit(2)
	for i := range 3 {
		status, e, _, h := call(t, s, http.MethodGet, PathCID, "", "")
		if i < 2 && status != http.StatusOK {
			t.Fatalf("call %d: HTTP %d", i, status)
		}
		if i == 2 && (status != http.StatusTooManyRequests || e.Error.Code != 2002 || h.Get("X-Rate-Limit-Remaining") != "0") {
			t.Errorf("over the limit: HTTP %d code %d, headers %v", status, e.Error.Code, h)
		}
	}
}
