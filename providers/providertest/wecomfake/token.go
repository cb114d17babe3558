package wecomfake

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// handleToken serves GET /cgi-bin/gettoken?corpid=&corpsecret=. Each call
// issues a fresh token; earlier ones stay valid until they expire (the
// current doc no longer promises the same token within its lifetime).
// Called with s.mu held.
func (s *Server) handleToken(r *http.Request) reply {
	if take(&s.tokenFail) {
		return reply{status: s.tokenFail.status, body: []byte("<html><body>upstream error</body></html>")}
	}
	if r.Method != http.MethodGet {
		return errReply(40058, "invalid Request Parameter, the method must be GET")
	}
	q := r.URL.Query()
	switch {
	case q.Get("corpid") == "":
		return errReply(41002, "corpid missing")
	case q.Get("corpid") != s.corpID:
		return errReply(40013, "invalid corpid")
	case q.Get("corpsecret") == "":
		return errReply(41004, "corpsecret missing")
	case q.Get("corpsecret") != s.secret:
		return errReply(40001, "invalid credential")
	}
	s.seq++
	tok := fmt.Sprintf("fake-access-token-%06d", s.seq)
	s.tokens[tok] = &token{expires: s.now().Add(s.ttl)}
	return okReply(0, map[string]any{
		"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": int64(s.ttl.Seconds()),
	})
}

// checkToken validates ?access_token=: missing 41001, unknown 40014,
// expired 42001. Called with s.mu held.
func (s *Server) checkToken(q url.Values) (reply, bool) {
	tok := q.Get("access_token")
	if tok == "" {
		return errReply(41001, "access_token missing"), false
	}
	t, ok := s.tokens[tok]
	if !ok {
		return errReply(40014, "invalid access_token"), false
	}
	if !s.now().Before(t.expires) {
		return errReply(42001, "access_token expired"), false
	}
	return reply{}, true
}

func itoa(n int) string { return strconv.Itoa(n) }
