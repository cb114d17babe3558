package mxfake

import (
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// faults are the scripted failures, consumed in the order of injectFault.
type faults struct {
	delay         time.Duration
	answerDelay   time.Duration
	failN         int
	failStatus    int
	throttleN     int
	throttleAfter time.Duration
	malformedN    int
	codeN         int
	code          int
	codeMsg       string
	// quota answers pushes beyond its rate with HTTP 429; throttled
	// counts them.
	quota     *rate.Limiter
	throttled int
}

// LimitRate makes pushes beyond rps requests per second (a token bucket
// holding burst requests) answer HTTP 429 without Retry-After, the way a
// gateway that sheds load does; rps 0 lifts the limit. Throttled counts the
// pushes it refused.
func (s *Server) LimitRate(rps float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.quota = nil
	if rps > 0 {
		s.faults.quota = rate.NewLimiter(rate.Limit(rps), max(1, burst))
	}
}

// Throttled is how many pushes LimitRate refused so far.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.throttled
}

// FailNext makes the next n requests answer HTTP status (e.g. 502) with a
// Spring-style error body, before any other check.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failN, s.faults.failStatus = n, status
}

// ThrottleNext makes the next n requests answer HTTP 429 with a
// Retry-After header of retryAfter (omitted when zero). MX push documents
// no rate limit; this models a gateway in front of it.
func (s *Server) ThrottleNext(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.throttleN, s.faults.throttleAfter = n, retryAfter
}

// FailNextCode makes the next n requests answer HTTP 200 with business
// code and message, e.g. 20000 (server DB error, the nearest MX push has to
// "system busy"), 12006 (push not enabled) or 30022 (licence expired).
func (s *Server) FailNextCode(n, code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.codeN, s.faults.code, s.faults.codeMsg = n, code, msg
}

// MalformedNext makes the next n requests answer HTTP 200 with a truncated
// JSON body.
func (s *Server) MalformedNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.malformedN = n
}

// SetDelay delays every following answer by d (0 turns it off); a request
// whose client gives up is abandoned.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.delay = d
}

// RevokeToken invalidates the console token now (as deleting it in the
// console "Token管理" page would): every later call answers 10008.
func (s *Server) RevokeToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// SetToken makes tok the only valid access-token (a rotated console token)
// and lifts RevokeToken.
func (s *Server) SetToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token, s.revoked = tok, false
}

// SetInvalid marks recipients (alias, user_id as decimal text, push_token)
// as unknown to the service. MX push answers a push as a whole and names no
// failed recipients, so they are only missing from the task's figures.
func (s *Server) SetInvalid(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.invalid[id] = true
	}
}

// SetChannel makes recipient's device counted on channel (apns, fcm,
// flyme, huawei, mxpush, oppo, vivo, xiaomi) in task figures.
func (s *Server) SetChannel(recipient, channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[recipient] = channel
}

// SetBroadcastSize sets how many devices "all", and each tag, reach.
func (s *Server) SetBroadcastSize(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broadcastSize = n
}

// injectFault answers a scripted fault, reporting whether it did.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	f := &s.faults
	delay := f.delay
	kind := ""
	switch {
	case f.failN > 0:
		f.failN--
		kind = "fail"
	case f.throttleN > 0:
		f.throttleN--
		kind = "throttle"
	case f.malformedN > 0:
		f.malformedN--
		kind = "malformed"
	case f.codeN > 0:
		f.codeN--
		kind = "code"
	case f.quota != nil && r.URL.Path == "/push/notify" && !f.quota.Allow():
		f.throttled++
		kind = "quota"
	}
	status, after, code, msg := f.failStatus, f.throttleAfter, f.code, f.codeMsg
	s.mu.Unlock()

	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return true
		}
	}
	switch kind {
	case "fail":
		writeHTTP(w, status, r.URL.Path)
	case "throttle":
		if after > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(after/time.Second)))
		}
		writeHTTP(w, http.StatusTooManyRequests, r.URL.Path)
	case "quota":
		writeHTTP(w, http.StatusTooManyRequests, r.URL.Path)
	case "malformed":
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = w.Write([]byte(`{"code":200,"data":{"task_id":`)) // truncated on purpose; write errors are the client's
	case "code":
		writeCode(w, code, msg)
	default:
		return false
	}
	return true
}
