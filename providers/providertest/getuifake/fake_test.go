package getuifake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

type answer struct {
	status int
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
}

// call sends a raw request to the fake.
func call(t *testing.T, s *Server, method, route, token, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+"/v2/"+AppID+route, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	if token != "" {
		req.Header.Set("token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == 400 || resp.StatusCode == 401 || resp.StatusCode == 403 {
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("answer is not JSON: %s", raw)
		}
	}
	return a
}

func authBodyFor(ts string, quoted bool, secret string) string {
	sum := sha256.Sum256([]byte(AppKey + ts + secret))
	v := ts
	if quoted {
		v = strconv.Quote(ts)
	}
	return fmt.Sprintf(`{"sign":%q,"timestamp":%s,"appkey":%q}`, hex.EncodeToString(sum[:]), v, AppKey)
}

func login(t *testing.T, s *Server) string {
	t.Helper()
	a := call(t, s, http.MethodPost, "/auth", "", authBodyFor(strconv.FormatInt(time.Now().UnixMilli(), 10), true, MasterSecret))
	var d struct {
		Token      string `json:"token"`
		ExpireTime string `json:"expire_time"`
	}
	if a.Code != 0 || json.Unmarshal(a.Data, &d) != nil || d.Token == "" || d.ExpireTime == "" {
		t.Fatalf("auth answer %+v", a)
	}
	return d.Token
}

func TestAuth(t *testing.T) {
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	old := strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   int
	}{
		{"string timestamp (as documented)", authBodyFor(now, true, MasterSecret), 200, 0},
		{"number timestamp (Java SDK)", authBodyFor(now, false, MasterSecret), 200, 0},
		{"wrong master secret", authBodyFor(now, true, "nope"), 400, codeParam},
		{"stale timestamp", authBodyFor(old, true, MasterSecret), 400, codeParam},
		{"unknown field", `{"sign":"x","timestamp":"1","appkey":"k","extra":1}`, 400, codeParam},
		{"not json", `sign=x`, 200, codeNotJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(t)
			a := call(t, s, http.MethodPost, "/auth", "", tc.body)
			if a.status != tc.wantStatus || a.Code != tc.wantCode {
				t.Fatalf("answer = %d %+v, want %d/%d", a.status, a, tc.wantStatus, tc.wantCode)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	s := New(t)
	body := `{"request_id":"tokens-test-001","audience":{"cid":["c1"]},"push_message":{"transmission":"x"}}`
	if a := call(t, s, http.MethodPost, "/push/single/cid", "", body); a.status != 401 || a.Code != codeTokenInvalid || a.Msg != msgTokenInvalid {
		t.Fatalf("no token: %+v", a)
	}
	tok := login(t, s)
	if a := call(t, s, http.MethodPost, "/push/single/cid", tok, body); a.Code != 0 {
		t.Fatalf("with token: %+v", a)
	}
	if a := call(t, s, http.MethodDelete, "/auth/"+tok, tok, ""); a.Code != 0 {
		t.Fatalf("delete token: %+v", a)
	}
	if a := call(t, s, http.MethodPost, "/push/single/cid", tok, body); a.Code != codeTokenInvalid {
		t.Fatalf("deleted token: %+v", a)
	}
	tok = login(t, s)
	s.ExpireTokens()
	if a := call(t, s, http.MethodPost, "/push/single/cid", tok, body); a.Code != codeTokenInvalid {
		t.Fatalf("expired token: %+v", a)
	}
}

func TestPushChecks(t *testing.T) {
	seed000 := `{"request_id":"seed000-request","audience":{"cid":["e560b884d8d9bf5bc5a0f9da545a11f3"]},` +
		`"push_message":{"notification":{"title":"标题","body":"内容","click_type":"none","url":""}}}`
	msg := `"push_message":{"notification":{"title":"t","body":"b","click_type":"startapp"}}`
	tests := []struct {
		name       string
		method     string
		route      string
		body       string
		wantStatus int
		wantCode   int
		wantMsg    string
	}{
		{"documented body verbatim", "POST", "/push/single/cid", seed000, 200, 0, ""},
		{"short request_id", "POST", "/push/single/cid", `{"request_id":"short","audience":{"cid":["c"]},` + msg + `}`, 400, codeParam, "request_id is invalid"},
		{"long request_id", "POST", "/push/single/cid", `{"request_id":"` + strings.Repeat("a", 33) + `","audience":{"cid":["c"]},` + msg + `}`, 400, codeParam, "request_id is invalid"},
		{"unknown field", "POST", "/push/single/cid", `{"request_id":"unknown-field-1","colour":1,"audience":{"cid":["c"]},` + msg + `}`, 400, codeParam, "colour is invalid"},
		{"wrong type", "POST", "/push/single/cid", `{"request_id":"wrong-type-0001","settings":{"ttl":"1h"},"audience":{"cid":["c"]},` + msg + `}`, 400, codeParam, "settings.ttl type error"},
		{"two cids on single", "POST", "/push/single/cid", `{"request_id":"two-cids-00001","audience":{"cid":["a","b"]},` + msg + `}`, 400, codeParam, "cid size over limit"},
		{"alias on single cid", "POST", "/push/single/cid", `{"request_id":"alias-on-cid-01","audience":{"alias":["a"]},` + msg + `}`, 400, codeParam, "audience is invalid"},
		{"both message kinds", "POST", "/push/single/cid", `{"request_id":"both-kinds-0001","audience":{"cid":["c"]},"push_message":{"transmission":"x","notification":{"title":"t","body":"b","click_type":"none"}}}`, 400, codeParam, "please choose one of notification and transmission and revoke"},
		{"url click without url", "POST", "/push/single/cid", `{"request_id":"url-no-url-0001","audience":{"cid":["c"]},"push_message":{"notification":{"title":"t","body":"b","click_type":"url"}}}`, 400, codeParam, "url can not be empty"},
		{"show window of 5 minutes", "POST", "/push/single/cid", `{"request_id":"short-window-01","audience":{"cid":["c"]},"push_message":{"duration":"1590547347000-1590547647000","transmission":"x"}}`, 400, codeParam, "duration is invalid"},
		{"all with object audience", "POST", "/push/all", `{"request_id":"all-object-0001","audience":{"cid":["c"]},` + msg + `}`, 400, codeParam, "audience is invalid"},
		{"tag with bad opt_type", "POST", "/push/tag", `{"request_id":"tag-bad-op-0001","audience":{"tag":[{"key":"region","values":["x"],"opt_type":"xor"}]},` + msg + `}`, 400, codeParam, "opt_type is invalid"},
		{"tag too long", "POST", "/push/tag", `{"request_id":"tag-too-long-01","audience":{"tag":[{"key":"custom_tag","values":["` + strings.Repeat("t", 32) + `"],"opt_type":"or"}]},` + msg + `}`, 403, codeTagLength, ""},
		{"list message with audience", "POST", "/push/list/message", `{"request_id":"list-aud-000001","audience":{"cid":["c"]},` + msg + `}`, 400, codeParam, "audience is invalid"},
		{"list cid unknown task", "POST", "/push/list/cid", `{"audience":{"cid":["c"]},"taskid":"RASL_nope","is_async":false}`, 400, codeParam, "taskid is invalid"},
		{"list cid 1001", "POST", "/push/list/cid", `{"audience":{"cid":[` + strings.Repeat(`"c",`, 1000) + `"d"]},"taskid":"x","is_async":false}`, 400, codeParam, "cid size over limit"},
		{"schedule without VIP", "POST", "/push/single/cid", `{"request_id":"schedule-00001","settings":{"schedule_time":1},"audience":{"cid":["c"]},` + msg + `}`, 403, codeNoSchedule, ""},
		{"GET on a push route", "GET", "/push/single/cid", ``, 405, 0, ""},
		{"unknown route", "POST", "/push/nowhere", `{}`, 404, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(t)
			a := call(t, s, tc.method, tc.route, login(t, s), tc.body)
			if a.status != tc.wantStatus || a.Code != tc.wantCode || (tc.wantMsg != "" && a.Msg != tc.wantMsg) {
				t.Fatalf("answer = %d %+v, want %d/%d %q", a.status, a, tc.wantStatus, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func TestDuplicateAndFaults(t *testing.T) {
	s := New(t)
	tok := login(t, s)
	body := `{"request_id":"dup-request-001","audience":{"cid":["c1"]},"push_message":{"transmission":"x"}}`
	first := call(t, s, http.MethodPost, "/push/single/cid", tok, body)
	second := call(t, s, http.MethodPost, "/push/single/cid", tok, body)
	if first.Code != 0 || len(first.Data) == 0 || second.Code != 0 || len(second.Data) != 0 {
		t.Fatalf("first %+v, second %+v", first, second)
	}
	s.SetDuplicateReplay(true)
	if third := call(t, s, http.MethodPost, "/push/single/cid", tok, body); !bytes.Equal(third.Data, first.Data) {
		t.Fatalf("replay %s, first %s", third.Data, first.Data)
	}

	s.FailNextOn("/push/all", 1, 503)
	s.FailNextCode(1, 10005, "limit")
	if a := call(t, s, http.MethodPost, "/push/single/cid", tok, body); a.status != 401 || a.Code != 10005 {
		t.Fatalf("scripted code: %+v", a)
	}
	if a := call(t, s, http.MethodPost, "/push/all", tok, `{}`); a.status != 503 {
		t.Fatalf("scripted status: %+v", a)
	}
	if n := len(s.RequestsTo("/push/single/cid")); n != 4 {
		t.Fatalf("recorded %d single pushes, want 4", n)
	}
}

// TestLostAnswer: a lost answer still took effect: the list message's
// request_id is used up and its pushes are counted.
func TestLostAnswer(t *testing.T) {
	s := New(t)
	tok := login(t, s)
	msg := `{"request_id":"lost-answer-001","push_message":{"transmission":"x"}}`
	s.LoseNextOn("/push/list/message", 1, 504)
	if a := call(t, s, http.MethodPost, "/push/list/message", tok, msg); a.status != 504 {
		t.Fatalf("lost create answered %+v", a)
	}
	if a := call(t, s, http.MethodPost, "/push/list/message", tok, msg); a.Code != 0 || len(a.Data) != 0 {
		t.Fatalf("repeated create answered %+v, want code 0 without a taskid", a)
	}
	fresh := call(t, s, http.MethodPost, "/push/list/message", tok, strings.Replace(msg, "001", "002", 1))
	var d struct {
		TaskID string `json:"taskid"`
	}
	if fresh.Code != 0 || json.Unmarshal(fresh.Data, &d) != nil || d.TaskID == "" {
		t.Fatalf("fresh create answered %+v", fresh)
	}
	s.LoseNextOn("/push/list/cid", 1, 502)
	push := fmt.Sprintf(`{"audience":{"cid":["c1","c2"]},"taskid":%q,"is_async":false}`, d.TaskID)
	if a := call(t, s, http.MethodPost, "/push/list/cid", tok, push); a.status != 502 {
		t.Fatalf("lost push answered %+v", a)
	}
	if got := s.Delivered(); got["c1"] != 1 || got["c2"] != 1 || len(got) != 2 {
		t.Fatalf("delivered %v, want c1 and c2 once", got)
	}
}
