package wecomfake

import (
	"strings"
	"time"
)

// FailNext makes the next n message calls (send, recall and
// get_statistics; not gettoken) answer HTTP status (e.g. 502) with an HTML
// body, without processing them.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.httpFail = fault{n: n, status: status}
}

// FailTokenNext makes the next n gettoken calls answer HTTP status.
func (s *Server) FailTokenNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenFail = fault{n: n, status: status}
}

// ErrcodeNext makes the next n message calls that pass the token check
// answer errcode/errmsg over HTTP 200 without delivering anything.
func (s *Server) ErrcodeNext(n, errcode int, errmsg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codeFail = fault{n: n, errcode: errcode, errmsg: errmsg}
}

// RateLimitNext makes the next n message calls answer 45009 (API frequency
// exceeded).
func (s *Server) RateLimitNext(n int) { s.ErrcodeNext(n, 45009, "api freq out of limit") }

// BusyNext makes the next n message calls answer -1 (system busy).
func (s *Server) BusyNext(n int) { s.ErrcodeNext(n, -1, "system busy") }

// MalformedNext makes the next n message calls answer a truncated JSON body
// with HTTP 200, without processing them.
func (s *Server) MalformedNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.malformed = n
}

// SetDelay makes every answer (all endpoints) wait d first; zero removes it.
// A request whose client gave up is still recorded.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// ExpireTokens makes every token issued so far expired (42001), as when
// the token runs out in the middle of a run.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, t := range s.tokens {
		t.expires = now
	}
}

// InvalidateTokens forgets every token issued so far (40014), as when WeCom
// revokes tokens early or the secret is reset.
func (s *Server) InvalidateTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]*token{}
}

// Advance moves the fake's clock forward (token expiry, the duplicate-check
// window, the 24-hour recall window).
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// SetInvalidUsers replaces the set of userids that do not exist or are
// outside the app's visible range (compared case-insensitively).
func (s *Server) SetInvalidUsers(ids ...string) { s.setIDs(&s.invalidUsers, ids, true) }

// SetUnlicensedUsers replaces the set of userids without an API licence
// (reported in unlicenseduser, not delivered).
func (s *Server) SetUnlicensedUsers(ids ...string) { s.setIDs(&s.unlicensed, ids, true) }

// SetInvalidParties replaces the set of invalid department ids.
func (s *Server) SetInvalidParties(ids ...string) { s.setIDs(&s.invalidParties, ids, false) }

// SetInvalidTags replaces the set of invalid tag ids.
func (s *Server) SetInvalidTags(ids ...string) { s.setIDs(&s.invalidTags, ids, false) }

func (s *Server) setIDs(dst *map[string]bool, ids []string, lower bool) {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		if lower {
			id = strings.ToLower(id)
		}
		m[id] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	*dst = m
}

// Requests returns a copy of every recorded call, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many calls arrived for path (e.g. PathToken).
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Path == path {
			n++
		}
	}
	return n
}

// Messages returns a copy of the accepted message/send calls, duplicates
// included, in arrival order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Message returns the first accepted (non-duplicate) message with msgid.
func (s *Server) Message(msgID string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages {
		if m.MsgID == msgID && !m.Duplicate {
			return m, true
		}
	}
	return Message{}, false
}
