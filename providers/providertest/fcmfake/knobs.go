package fcmfake

import (
	"time"
)

// Fault is a scripted failure of one messages:send call, answered instead
// of processing it (nothing is delivered). Status 429 is QUOTA_EXCEEDED,
// 503 UNAVAILABLE, 500 INTERNAL, each a google.rpc.Status with its
// FcmError; any other status is a proxy's HTML answer.
type Fault struct {
	Status     int
	RetryAfter time.Duration
}

type faultPlan struct {
	next   int
	every  int
	calls  int
	turn   int
	faults []Fault
}

// FailNext makes the next n authenticated messages:send calls answer f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultPlan{next: n, faults: []Fault{f}}
}

// FailEvery makes every n-th authenticated messages:send call from now on
// answer the next of faults in turn; n ≤ 0 or no fault stops it.
func (s *Server) FailEvery(n int, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 || len(faults) == 0 {
		s.faults = faultPlan{}
		return
	}
	s.faults = faultPlan{every: n, faults: append([]Fault(nil), faults...)}
}

func (s *Server) takeFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &s.faults
	if len(p.faults) == 0 {
		return Fault{}, false
	}
	switch {
	case p.next > 0:
		p.next--
	case p.every > 0:
		p.calls++
		if p.calls%p.every != 0 {
			return Fault{}, false
		}
	default:
		return Fault{}, false
	}
	f := p.faults[p.turn%len(p.faults)]
	p.turn++
	return f, true
}

// LoseAnswerNext makes the next n delivered messages lose their answer:
// the message is recorded as delivered, then the stream is reset.
func (s *Server) LoseAnswerNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lossNext = n
}

// LoseAnswerEvery makes every n-th delivered message from now on lose its
// answer; n ≤ 0 stops it.
func (s *Server) LoseAnswerEvery(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lossEvery, s.sends = max(n, 0), 0
}

// SetDelay makes every messages:send answer wait d first; zero removes it.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// ExpireTokens makes every access token issued so far expired, as when a
// token runs out in the middle of a run: the next call with it is 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for t := range s.tokens {
		s.tokens[t] = now
	}
}

// RevokeKey makes the token endpoint refuse the service account
// (invalid_grant), as after its key was deleted.
func (s *Server) RevokeKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// SetTokenError makes messages to each of tokens answer code
// (CodeUnregistered, CodeSenderIDMismatch, CodeInvalidArgument,
// CodeThirdPartyAuth); an empty code clears them.
func (s *Server) SetTokenError(code string, tokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range tokens {
		if code == "" {
			delete(s.perToken, t)
			continue
		}
		s.perToken[t] = code
	}
}

// Deliveries returns the messages delivered to a token (or to
// "topic:"+topic or condition), oldest first.
func (s *Server) Deliveries(token string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries[token]...)
}

// DeliveryCounts returns how many messages each token received.
func (s *Server) DeliveryCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.deliveries))
	for t, ds := range s.deliveries {
		out[t] = len(ds)
	}
	return out
}

// Bodies returns the first accepted request bodies (up to 2,000).
func (s *Server) Bodies() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

// Stats are the fake's counters.
type Stats struct {
	// Calls is every messages:send call; TokenCalls every token request.
	Calls, TokenCalls int
	// Validated counts validate_only calls; Lost the delivered messages
	// whose answer was lost.
	Validated, Lost int
	// MaxConcurrent is the most messages:send calls in progress at once;
	// HTTP2 counts requests that arrived over HTTP/2.
	MaxConcurrent, HTTP2 int64
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Calls: s.calls, TokenCalls: s.tokenCalls, Validated: s.validated, Lost: s.lost,
		MaxConcurrent: s.maxInFlight.Load(), HTTP2: s.h2.Load()}
}
