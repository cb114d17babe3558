package apnsfake

import (
	"hash/fnv"
	"time"
)

// Answer is a scripted refusal: an HTTP status and Apple's reason.
type Answer struct {
	Status int
	Reason string
	// RetryAfter, when positive, is sent as a Retry-After header (seconds).
	RetryAfter int
}

// FailNext answers the next n requests that pass the checks with a.
func (s *Server) FailNext(n int, a Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.script = append(s.script, a)
	}
}

// LoseNext makes the next n requests that pass the checks deliver and
// then lose their answer: the stream is reset after the notification was
// taken, as when a connection drops mid-answer.
func (s *Server) LoseNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose += n
}

// Unregister makes APNs answer 410 Unregistered for the device token,
// with since as the answer's timestamp.
func (s *Server) Unregister(token string, since time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone[token] = since
}

// NotForTopic makes APNs answer 400 DeviceTokenNotForTopic for the token.
func (s *Server) NotForTopic(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notTopic[token] = true
}

// SetDelay holds every answer for d, so requests overlap.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Mix is a fault mix applied to the first request for a device token,
// chosen by a hash of the token so a run is repeatable: shares in
// thousandths of the tokens. A token's later requests are answered
// normally, so every fault is one a retry recovers from.
type Mix struct {
	Lost, Unavailable, Internal, TooMany int
}

// SetMix sets the fault mix.
func (s *Server) SetMix(m Mix) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mix = m
}

// fault is what to do with one request that passed the checks.
type fault struct {
	answer *Answer
	lose   bool
}

// faultFor picks the scripted answer, the lost answer or the mix's fault
// for a request to token (under s.mu).
func (s *Server) faultFor(token string) fault {
	s.seen[token]++
	if len(s.script) > 0 {
		a := s.script[0]
		s.script = s.script[1:]
		return fault{answer: &a}
	}
	if s.lose > 0 {
		s.lose--
		return fault{lose: true}
	}
	if s.seen[token] > 1 || s.mix == (Mix{}) {
		return fault{}
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(token)) // a hash's Write never fails
	r := int(h.Sum32() % 1000)
	m := s.mix
	switch {
	case r < m.Lost:
		return fault{lose: true}
	case r < m.Lost+m.Unavailable:
		return fault{answer: &Answer{Status: 503, Reason: "ServiceUnavailable"}}
	case r < m.Lost+m.Unavailable+m.Internal:
		return fault{answer: &Answer{Status: 500, Reason: "InternalServerError"}}
	case r < m.Lost+m.Unavailable+m.Internal+m.TooMany:
		return fault{answer: &Answer{Status: 429, Reason: "TooManyRequests"}}
	}
	return fault{}
}
