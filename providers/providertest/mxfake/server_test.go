package mxfake_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

type answer struct {
	status int
	code   int
	data   json.RawMessage
	msg    *string
}

// do sends a raw request; hdr nil means the valid headers.
func do(t *testing.T, srv *mxfake.Server, method, path, body string, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if hdr == nil {
		hdr = map[string]string{"app_id": srv.AppID(), "access-token": srv.Token(), "Content-Type": "application/json"}
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var env struct {
		Code    int             `json:"code"`
		Data    json.RawMessage `json:"data"`
		Message *string         `json:"message"`
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(buf.Bytes(), &env); err != nil {
			t.Fatalf("body %q: %v", buf.String(), err)
		}
	}
	return answer{status: resp.StatusCode, code: env.Code, data: env.Data, msg: env.Message}
}

const okMsg = `"message":{"type":"text","title":"t","body":"b"}`

func TestNotifyStrictChecks(t *testing.T) {
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprintf("%q", fmt.Sprint("t", i))
	}
	tests := []struct {
		name   string
		body   string
		hdr    map[string]string
		status int
		code   int
	}{
		{name: "ok all", body: `{"audience":"all",` + okMsg + `}`, status: 200, code: 200},
		{name: "ok user ids", body: `{"audience":{"user_id":[111,222]},"setting":{"request_id":"r1","distribution_strategy":"ospush_only","ospush_sequence":["ups","meizu"]},` + okMsg + `}`, status: 200, code: 200},
		{name: "missing app_id", body: `{"audience":"all",` + okMsg + `}`, hdr: map[string]string{"access-token": mxfake.DefaultToken, "Content-Type": "application/json"}, status: 200, code: 40000},
		{name: "missing token", body: `{"audience":"all",` + okMsg + `}`, hdr: map[string]string{"app_id": mxfake.DefaultAppID, "Content-Type": "application/json"}, status: 200, code: 10003},
		{name: "wrong token", body: `{"audience":"all",` + okMsg + `}`, hdr: map[string]string{"app_id": mxfake.DefaultAppID, "access-token": "nope", "Content-Type": "application/json"}, status: 200, code: 10008},
		{name: "no content type", body: `{"audience":"all",` + okMsg + `}`, hdr: map[string]string{"app_id": mxfake.DefaultAppID, "access-token": mxfake.DefaultToken}, status: 415},
		{name: "unknown top-level field", body: `{"audience":"all","settings":{},` + okMsg + `}`, status: 200, code: 10002},
		{name: "unknown message field", body: `{"audience":"all","message":{"type":"text","sound":"x"}}`, status: 200, code: 10002},
		{name: "unknown vendor field", body: `{"audience":"all","message":{"type":"text","xiaomi":{"notify_id":1}}}`, status: 200, code: 10002},
		{name: "missing audience", body: `{` + okMsg + `}`, status: 200, code: 10002},
		{name: "missing message", body: `{"audience":"all"}`, status: 200, code: 10002},
		{name: "audience string not all", body: `{"audience":"everyone",` + okMsg + `}`, status: 200, code: 10002},
		{name: "audience two lists", body: `{"audience":{"tag":["a"],"alias":["b"]},` + okMsg + `}`, status: 200, code: 10002},
		{name: "audience user ids as strings", body: `{"audience":{"user_id":["111"]},` + okMsg + `}`, status: 200, code: 10002},
		{name: "audience 501 tokens", body: `{"audience":{"push_token":[` + strings.Join(many, ",") + `]},` + okMsg + `}`, status: 200, code: 12005},
		{name: "type link", body: `{"audience":"all","message":{"type":"link"}}`, status: 200, code: 10002},
		{name: "image gif", body: `{"audience":"all","message":{"type":"image","attachment_url":"https://x/a.gif"}}`, status: 200, code: 10002},
		{name: "image png", body: `{"audience":"all","message":{"type":"image","attachment_url":"https://x/a.PNG"}}`, status: 200, code: 200},
		{name: "badge not a number", body: `{"audience":"all","message":{"badge":"many"}}`, status: 200, code: 10002},
		{name: "badge as number type", body: `{"audience":"all","message":{"badge":3}}`, status: 200, code: 10002},
		{name: "ext array", body: `{"audience":"all","message":{"ext":[1]}}`, status: 200, code: 10002},
		{name: "click_action url", body: `{"audience":"all","message":{"android":{"click_action":"url"}}}`, status: 200, code: 10002},
		{name: "intent missing", body: `{"audience":"all","message":{"huawei":{"click_action":"intent"}}}`, status: 200, code: 10002},
		{name: "vivo push_mode 3", body: `{"audience":"all","message":{"vivo":{"push_mode":3}}}`, status: 200, code: 10002},
		{name: "bad strategy", body: `{"audience":"all","setting":{"distribution_strategy":"x"},` + okMsg + `}`, status: 200, code: 10002},
		{name: "malformed body", body: `{"audience":`, status: 200, code: 10002},
		{name: "trailing data", body: `{"audience":"all",` + okMsg + `}{}`, status: 200, code: 10002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mxfake.New(t)
			a := do(t, srv, http.MethodPost, "/push/notify", tt.body, tt.hdr)
			if a.status != tt.status || (tt.status == 200 && a.code != tt.code) {
				t.Fatalf("answer %d code %d, want %d code %d", a.status, a.code, tt.status, tt.code)
			}
			if a.code == 200 && a.msg != nil {
				t.Fatalf("success message = %q, want null", *a.msg)
			}
			if a.code != 200 && a.status == 200 && (a.msg == nil || *a.msg == "") {
				t.Fatal("error without message")
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	srv := mxfake.New(t)
	if a := do(t, srv, http.MethodGet, "/push/notify", "", nil); a.status != 405 {
		t.Errorf("GET /push/notify = %d", a.status)
	}
	if a := do(t, srv, http.MethodPost, "/push/other", "{}", nil); a.status != 404 {
		t.Errorf("unknown path = %d", a.status)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("recorded %d requests", n)
	}
}

func TestDedupAndTaskDetail(t *testing.T) {
	srv := mxfake.New(t)
	srv.SetChannel("hw", "huawei")
	body := `{"audience":{"push_token":["hw","a","dead"]},"setting":{"request_id":"same-id-0001"},` + okMsg + `}`
	srv.SetInvalid("dead")
	first := do(t, srv, http.MethodPost, "/push/notify", body, nil)
	second := do(t, srv, http.MethodPost, "/push/notify", body, nil)
	if string(first.data) != string(second.data) || len(srv.Tasks()) != 1 {
		t.Fatalf("dedupe: %s vs %s, %d tasks", first.data, second.data, len(srv.Tasks()))
	}
	var res struct {
		TaskID int64 `json:"task_id"`
	}
	if err := json.Unmarshal(first.data, &res); err != nil {
		t.Fatal(err)
	}
	a := do(t, srv, http.MethodPost, "/push/task/detail", fmt.Sprintf(`{"list":[%d, 7]}`, res.TaskID), nil)
	var details []map[string]int64
	if err := json.Unmarshal(a.data, &details); err != nil || len(details) != 1 {
		t.Fatalf("detail %s: %v", a.data, err)
	}
	d := details[0]
	if len(d) != 25 || d["task_id"] != res.TaskID || d["huawei_target"] != 1 || d["mxpush_target"] != 1 || d["apns_target"] != 0 {
		t.Fatalf("detail = %v", d)
	}
	if a := do(t, srv, http.MethodPost, "/push/task/detail", `{"ids":[1]}`, nil); a.code != 10002 {
		t.Fatalf("unknown field answered %d", a.code)
	}
}

func TestCertificateEndpoint(t *testing.T) {
	srv := mxfake.New(t)
	srv.SetCertificate(1, 7, mxfake.Certificate{Name: "fcm", AppKey: "k"})
	tests := []struct {
		name  string
		query string
		code  int
		data  string
	}{
		{name: "configured", query: "?provider=7", code: 200, data: `{"app_id":"","app_key":"k","app_secret":"","certificate":"","name":"fcm"}`},
		{name: "other environment", query: "?environment=0&provider=7", code: 200, data: `null`},
		{name: "provider missing", query: "", code: 10002},
		{name: "provider out of range", query: "?provider=8", code: 10002},
		{name: "bad environment", query: "?environment=2&provider=1", code: 10002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, srv, http.MethodGet, "/push/certificate"+tt.query, "", nil)
			if a.code != tt.code || (tt.data != "" && string(a.data) != tt.data) {
				t.Fatalf("answer code %d data %s", a.code, a.data)
			}
		})
	}
}

// TestKnobsConcurrent exercises the knobs while requests run (for -race).
func TestKnobsConcurrent(t *testing.T) {
	srv := mxfake.New(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			srv.FailNext(1, 503)
			srv.FailNextCode(1, 20000, "busy")
			srv.SetInvalid(fmt.Sprint("x", i))
			_ = srv.Tasks()
		}()
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPost, srv.URL()+"/push/notify", strings.NewReader(`{"audience":"all",`+okMsg+`}`))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("app_id", srv.AppID())
			req.Header.Set("access-token", srv.Token())
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_ = resp.Body.Close() // the answer is not under test
		}()
	}
	wg.Wait()
	if n := len(srv.Requests()); n != 8 {
		t.Fatalf("recorded %d requests", n)
	}
}

// TestLimitRate: pushes beyond the bucket answer 429 without Retry-After
// and are counted; other calls and lifted limits pass.
func TestLimitRate(t *testing.T) {
	srv := mxfake.New(t)
	srv.LimitRate(0.001, 2) // two pushes, then nothing for a long while
	var statuses []int
	for range 4 {
		statuses = append(statuses, do(t, srv, http.MethodPost, "/push/notify", `{"audience":"all",`+okMsg+`}`, nil).status)
	}
	if fmt.Sprint(statuses) != "[200 200 429 429]" || srv.Throttled() != 2 {
		t.Fatalf("statuses %v, throttled %d", statuses, srv.Throttled())
	}
	if a := do(t, srv, http.MethodGet, "/push/certificate?environment=1&provider=1", "", nil); a.status == http.StatusTooManyRequests {
		t.Error("a certificate call was throttled")
	}
	srv.LimitRate(0, 0)
	if a := do(t, srv, http.MethodPost, "/push/notify", `{"audience":"all",`+okMsg+`}`, nil); a.status != http.StatusOK {
		t.Errorf("after lifting the limit: %d", a.status)
	}
	reqs := srv.Requests()
	if len(reqs) == 0 || reqs[0].At.IsZero() {
		t.Error("requests carry no time")
	}
}
