package jpushfake

import (
	"net/http"
	"strconv"
	"time"
)

// faults are the scripted failures, consumed in the order of injectFault.
type faults struct {
	delay      time.Duration
	failN      int
	failStatus int
	codeN      int
	codeStatus int
	code       int
	codeMsg    string
	rateN      int
	rateReset  int
	malformedN int
	loss       lossPlan
}

// rateWindow is the per-minute call quota the X-Rate-Limit-* headers
// describe; enforce makes calls past it answer 2002.
type rateWindow struct {
	limit   int
	enforce bool
	start   time.Time
	calls   int
}

// writeRateHeaders counts the call and writes the quota headers. Called
// with s.mu held.
func (s *Server) writeRateHeaders(w http.ResponseWriter) {
	now := s.clock()
	rw := &s.rate
	if rw.start.IsZero() || now.Sub(rw.start) >= time.Minute {
		rw.start, rw.calls = now, 0
	}
	rw.calls++
	remaining := max(0, rw.limit-rw.calls)
	reset := int((rw.start.Add(time.Minute).Sub(now) + time.Second - 1) / time.Second)
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(rw.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", strconv.Itoa(reset))
}

// overQuota reports whether the call just counted is past an enforced
// quota. Called with s.mu held.
func (s *Server) overQuota() bool { return s.rate.enforce && s.rate.calls > s.rate.limit }

// EnforceRateLimit makes calls past limit a minute answer HTTP 429 with
// code 2002, as JPush does; limit 0 keeps announcing the default without
// enforcing it.
func (s *Server) EnforceRateLimit(limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate.enforce = limit > 0
	if limit > 0 {
		s.rate.limit = limit
	}
}

// FailNext makes the next n requests answer HTTP status: 500 with JPush's
// 1000 body, any other status (502, 503, 504) with a gateway's plain body.
// Nothing is processed.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failN, s.faults.failStatus = n, status
}

// FailNextCode makes the next n requests answer status with JPush's error
// code and message (e.g. 503 and 1030, 400 and 1003). Nothing is processed.
func (s *Server) FailNextCode(n, status, code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.codeN, s.faults.codeStatus, s.faults.code, s.faults.codeMsg = n, status, code, msg
}

// RateLimitNext makes the next n requests answer HTTP 429, code 2002, with
// X-Rate-Limit-Remaining 0 and X-Rate-Limit-Reset resetSecs.
func (s *Server) RateLimitNext(n, resetSecs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.rateN, s.faults.rateReset = n, resetSecs
}

// MalformedNext makes the next n requests answer HTTP 200 with a truncated
// body. Nothing is processed.
func (s *Server) MalformedNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.malformedN = n
}

// SetDelay delays every following answer by d (0 turns it off); a request
// whose client gives up is abandoned unprocessed.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.delay = d
}

// SetMasterSecret rotates the master secret: the old one answers 1004.
func (s *Server) SetMasterSecret(secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secret = secret
}

// SetInvalid marks registration ids (and aliases) as unknown to JPush:
// a push skips them silently, and one that reaches none answers 1011.
func (s *Server) SetInvalid(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.invalid[id] = true
	}
}

// SetChannel makes recipient's device counted on channel in reports: one
// of jpush (the default), android_pns, ios_apns, ios_msg, hmos_hmpns.
func (s *Server) SetChannel(recipient, channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[recipient] = channel
}

// SetBroadcastSize sets how many devices "all", and each tag, reach.
func (s *Server) SetBroadcastSize(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broadcast = n
}

// injectFault answers a scripted fault that comes before processing,
// reporting whether it did.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	f := &s.faults
	delay := f.delay
	kind := ""
	switch {
	case f.failN > 0:
		f.failN--
		kind = "fail"
	case f.codeN > 0:
		f.codeN--
		kind = "code"
	case f.rateN > 0:
		f.rateN--
		kind = "rate"
	case f.malformedN > 0:
		f.malformedN--
		kind = "malformed"
	case s.overQuota():
		kind = "quota"
	}
	status, code, msg, reset := f.failStatus, f.code, f.codeMsg, f.rateReset
	if kind == "code" {
		status = f.codeStatus
	}
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
		if status == http.StatusInternalServerError {
			writeError(w, status, 1000, "Server Internal error")
		} else {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<html><body>" + http.StatusText(status) + "</body></html>")) // the client's going away is its own
		}
	case "code":
		writeError(w, status, code, msg)
	case "rate", "quota":
		if kind == "rate" {
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			w.Header().Set("X-Rate-Limit-Reset", strconv.Itoa(reset))
		}
		writeError(w, http.StatusTooManyRequests, 2002, "Request times exceed the limit")
	case "malformed":
		writeRaw(w, http.StatusOK, []byte(`{"sendno":"1","msg_id":`))
	default:
		return false
	}
	return true
}
