package wecomfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type answer struct {
	status int
	raw    string
	env    map[string]any
}

func (a answer) code() int {
	f, ok := a.env["errcode"].(float64)
	if !ok {
		return -999
	}
	return int(f)
}

func call(t *testing.T, method, rawURL, contentType, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &a.env) // non-JSON answers are asserted through raw
	return a
}

func getToken(t *testing.T, s *Server) string {
	t.Helper()
	q := url.Values{"corpid": {DefaultCorpID}, "corpsecret": {DefaultCorpSecret}}
	a := call(t, http.MethodGet, s.URL+PathToken+"?"+q.Encode(), "", "")
	tok, _ := a.env["access_token"].(string)
	if a.code() != 0 || tok == "" || a.env["expires_in"] != float64(7200) {
		t.Fatalf("gettoken answered %s", a.raw)
	}
	return tok
}

func TestGetToken(t *testing.T) {
	tests := []struct {
		name   string
		method string
		query  url.Values
		want   int
	}{
		{"ok", http.MethodGet, url.Values{"corpid": {DefaultCorpID}, "corpsecret": {DefaultCorpSecret}}, 0},
		{"missing corpid", http.MethodGet, url.Values{"corpsecret": {DefaultCorpSecret}}, 41002},
		{"wrong corpid", http.MethodGet, url.Values{"corpid": {"ww0"}, "corpsecret": {DefaultCorpSecret}}, 40013},
		{"missing secret", http.MethodGet, url.Values{"corpid": {DefaultCorpID}}, 41004},
		{"wrong secret", http.MethodGet, url.Values{"corpid": {DefaultCorpID}, "corpsecret": {"x"}}, 40001},
		{"POST", http.MethodPost, url.Values{"corpid": {DefaultCorpID}, "corpsecret": {DefaultCorpSecret}}, 40058},
	}
	s := New(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, tc.method, s.URL+PathToken+"?"+tc.query.Encode(), "", "")
			if a.status != 200 || a.code() != tc.want {
				t.Fatalf("answer %d %s, want errcode %d", a.status, a.raw, tc.want)
			}
		})
	}
}

func TestSendStrict(t *testing.T) {
	many := func(n int) string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = "id" + itoa(i)
		}
		return strings.Join(ids, "|")
	}
	text := func(extra string) string {
		return `{"touser":"u1","msgtype":"text","agentid":1000002,"text":{"content":"hi"}` + extra + `}`
	}
	tests := []struct {
		name string
		body string
		want int
	}{
		{"seed example with spaced totag", `{"touser":"UserID1|UserID2|UserID3","toparty":"PartyID1|PartyID2","totag":"TagID1 | TagID2","msgtype":"text","agentid":1000002,"text":{"content":"x"},"safe":0,"enable_id_trans":0,"enable_duplicate_check":0,"duplicate_check_interval":1800}`, 0},
		{"seed GetContent with empty toparty", `{"touser":"userid","toparty":"","totag":"","msgtype":"text","agentid":1000002,"text":{"content":"推送測試"},"safe":0,"enable_id_trans":0,"enable_duplicate_check":0,"duplicate_check_interval":1800}`, 0},
		{"unknown top-level field", text(`,"priority":1`), 40058},
		{"unknown field in text", `{"touser":"u1","msgtype":"text","agentid":1000002,"text":{"content":"hi","title":"x"}}`, 40058},
		{"agentid as string", `{"touser":"u1","msgtype":"text","agentid":"1000002","text":{"content":"hi"}}`, 40058},
		{"agentid missing", `{"touser":"u1","msgtype":"text","text":{"content":"hi"}}`, 41011},
		{"agentid of another app", `{"touser":"u1","msgtype":"text","agentid":7,"text":{"content":"hi"}}`, 301002},
		{"unknown msgtype", `{"touser":"u1","msgtype":"voice","agentid":1000002}`, 40008},
		{"object of another msgtype", `{"touser":"u1","msgtype":"markdown","agentid":1000002,"text":{"content":"hi"},"markdown":{"content":"hi"}}`, 40058},
		{"safe on markdown", `{"touser":"u1","msgtype":"markdown","agentid":1000002,"markdown":{"content":"hi"},"safe":0}`, 40058},
		{"safe on news", `{"touser":"u1","msgtype":"news","agentid":1000002,"news":{"articles":[{"title":"a","url":"https://e.com"}]},"safe":1}`, 40074},
		{"safe 2", text(`,"safe":2`), 40058},
		{"interval over 4h", text(`,"enable_duplicate_check":1,"duplicate_check_interval":14401`), 40058},
		{"interval 4h", text(`,"enable_duplicate_check":1,"duplicate_check_interval":14400`), 0},
		{"no recipients", `{"msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`, 82001},
		{"1001 users", `{"touser":"` + many(1001) + `","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`, 40032},
		{"1000 users", `{"touser":"` + many(1000) + `","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`, 0},
		{"101 parties", `{"toparty":"` + many(101) + `","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`, 82002},
		{"101 tags", `{"totag":"` + many(101) + `","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`, 82003},
		{"content 2049 bytes", `{"touser":"u1","msgtype":"text","agentid":1000002,"text":{"content":"` + strings.Repeat("a", 2049) + `"}}`, 45002},
		{"content empty", `{"touser":"u1","msgtype":"text","agentid":1000002,"text":{"content":""}}`, 44004},
		{"textcard without description", `{"touser":"u1","msgtype":"textcard","agentid":1000002,"textcard":{"title":"t","url":"https://e.com"}}`, 41033},
		{"textcard without url", `{"touser":"u1","msgtype":"textcard","agentid":1000002,"textcard":{"title":"t","description":"d"}}`, 41010},
		{"news 9 articles", `{"touser":"u1","msgtype":"news","agentid":1000002,"news":{"articles":[` + strings.TrimSuffix(strings.Repeat(`{"title":"a","url":"https://e.com"},`, 9), ",") + `]}}`, 45008},
		{"trailing data", text(``) + `{}`, 40058},
		{"not JSON", `touser=u1`, 40058},
	}
	s := New(t)
	tok := getToken(t, s)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, http.MethodPost, s.URL+PathSend+"?access_token="+tok, "application/json", tc.body)
			if a.status != 200 || a.code() != tc.want {
				t.Fatalf("answer %d %.300s, want errcode %d", a.status, a.raw, tc.want)
			}
		})
	}
}

func TestSendTokenAndTransport(t *testing.T) {
	body := `{"touser":"u1","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`
	tests := []struct {
		name   string
		setup  func(*Server, string) string // returns the token to use
		method string
		ctype  string
		want   int
	}{
		{"missing token", func(*Server, string) string { return "" }, http.MethodPost, "application/json", 41001},
		{"unknown token", func(*Server, string) string { return "nope" }, http.MethodPost, "application/json", 40014},
		{"expired by clock", func(s *Server, tok string) string { s.Advance(7200 * time.Second); return tok }, http.MethodPost, "application/json", 42001},
		{"ExpireTokens", func(s *Server, tok string) string { s.ExpireTokens(); return tok }, http.MethodPost, "application/json", 42001},
		{"InvalidateTokens", func(s *Server, tok string) string { s.InvalidateTokens(); return tok }, http.MethodPost, "application/json", 40014},
		{"GET", func(_ *Server, tok string) string { return tok }, http.MethodGet, "application/json", 40058},
		{"form content type", func(_ *Server, tok string) string { return tok }, http.MethodPost, "application/x-www-form-urlencoded", 40058},
		{"frequency limit", func(s *Server, tok string) string { s.RateLimitNext(1); return tok }, http.MethodPost, "application/json", 45009},
		{"busy", func(s *Server, tok string) string { s.BusyNext(1); return tok }, http.MethodPost, "application/json", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(t)
			tok := tc.setup(s, getToken(t, s))
			a := call(t, tc.method, s.URL+PathSend+"?access_token="+tok, tc.ctype, body)
			if a.status != 200 || a.code() != tc.want {
				t.Fatalf("answer %d %s, want errcode %d", a.status, a.raw, tc.want)
			}
			if len(s.Messages()) != 0 {
				t.Fatal("a refused call delivered a message")
			}
		})
	}
}

func TestFaultKnobs(t *testing.T) {
	body := `{"touser":"u1","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`
	s := New(t)
	tok := getToken(t, s)
	send := func() answer {
		return call(t, http.MethodPost, s.URL+PathSend+"?access_token="+tok, "application/json", body)
	}
	s.FailNext(2, 503)
	for range 2 {
		if a := send(); a.status != 503 {
			t.Fatalf("FailNext: status %d", a.status)
		}
	}
	s.MalformedNext(1)
	if a := send(); a.status != 200 || a.env != nil {
		t.Fatalf("MalformedNext: %d %s", a.status, a.raw)
	}
	s.SetDelay(150 * time.Millisecond)
	start := time.Now()
	if a := send(); a.code() != 0 || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("SetDelay: %s after %s", a.raw, time.Since(start))
	}
	s.SetDelay(0)
	s.FailTokenNext(1, 502)
	if a := call(t, http.MethodGet, s.URL+PathToken+"?corpid="+DefaultCorpID+"&corpsecret="+DefaultCorpSecret, "", ""); a.status != 502 {
		t.Fatalf("FailTokenNext: status %d", a.status)
	}
	if got := s.Count(PathSend); got != 4 {
		t.Fatalf("Count(send) = %d, want 4", got)
	}
	reqs := s.Requests()
	if last := reqs[len(reqs)-1]; last.Path != PathToken || last.Status != 502 {
		t.Fatalf("last request %+v", last)
	}
}

func TestRecipientsAndDuplicates(t *testing.T) {
	s := New(t)
	s.SetInvalidUsers("Bob")
	s.SetUnlicensedUsers("carol")
	s.SetInvalidParties("5")
	s.SetInvalidTags("T9")
	tok := getToken(t, s)
	send := func(body string) answer {
		return call(t, http.MethodPost, s.URL+PathSend+"?access_token="+tok, "application/json", body)
	}
	partial := `{"touser":"Alice|BOB|Carol","toparty":"1|5","totag":"T9","msgtype":"text","agentid":1000002,"text":{"content":"hi"},"enable_duplicate_check":1,"duplicate_check_interval":60}`
	a := send(partial)
	want := map[string]any{"errcode": float64(0), "errmsg": "ok", "msgid": a.env["msgid"],
		"invaliduser": "bob", "unlicenseduser": "carol", "invalidparty": "5", "invalidtag": "T9"}
	if a.code() != 0 || a.env["msgid"] == "" || len(a.env) != len(want) {
		t.Fatalf("partial answer %s", a.raw)
	}
	for k, v := range want {
		if a.env[k] != v {
			t.Errorf("%s = %v, want %v", k, a.env[k], v)
		}
	}
	if dup := send(partial); dup.env["msgid"] != a.env["msgid"] {
		t.Fatalf("duplicate answered %s", dup.raw)
	}
	s.Advance(61 * time.Second)
	if again := send(partial); again.env["msgid"] == a.env["msgid"] {
		t.Fatalf("after the interval the message must be delivered again: %s", again.raw)
	}
	msgs := s.Messages()
	if len(msgs) != 3 || !msgs[1].Duplicate || len(msgs[1].Delivered) != 0 || strings.Join(msgs[0].Delivered, ",") != "alice,1" {
		t.Fatalf("messages %+v", msgs)
	}
	allBad := `{"touser":"bob","toparty":"5","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`
	if a := send(allBad); a.code() != 81013 {
		t.Fatalf("all invalid answered %s", a.raw)
	}
	if a := send(`{"touser":"@all","toparty":"5","msgtype":"text","agentid":1000002,"text":{"content":"hi"}}`); a.code() != 0 {
		t.Fatalf("@all answered %s", a.raw)
	}
}
