package fcmfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FCM's error codes the fake answers (FcmError.errorCode).
const (
	CodeUnregistered     = "UNREGISTERED"
	CodeSenderIDMismatch = "SENDER_ID_MISMATCH"
	CodeInvalidArgument  = "INVALID_ARGUMENT"
	CodeThirdPartyAuth   = "THIRD_PARTY_AUTH_ERROR"
	CodeQuotaExceeded    = "QUOTA_EXCEEDED"
	CodeUnavailable      = "UNAVAILABLE"
	CodeInternal         = "INTERNAL"
)

const (
	typeFcmError   = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
	typeBadRequest = "type.googleapis.com/google.rpc.BadRequest"
)

// maxRequestBytes bounds a messages:send body.
const maxRequestBytes = 64 << 10

func (s *Server) serveSend(w http.ResponseWriter, r *http.Request) {
	project := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, sendPrefix), sendSuffix)
	// Past maxRequestBytes the body is kept at maxRequestBytes+1, which
	// decode refuses as too large.
	body, err := readBody(r, maxRequestBytes)
	if err != nil {
		return // the client went away
	}
	s.mu.Lock()
	s.calls++
	d := s.delay
	s.mu.Unlock()
	if d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case r.Method != http.MethodPost:
		writeStatus(w, http.StatusMethodNotAllowed, "INVALID_ARGUMENT", "messages:send takes POST", nil)
		return
	case project != s.project:
		writeStatus(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.", nil)
		return
	}
	s.mu.Lock()
	authed := s.checkBearer(r)
	s.mu.Unlock()
	if !authed {
		writeStatus(w, http.StatusUnauthorized, "UNAUTHENTICATED",
			"Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.", nil)
		return
	}
	if f, ok := s.takeFault(); ok {
		writeFault(w, f)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeStatus(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Content-Type must be application/json", nil)
		return
	}
	sb, v := s.parse.parsed(body)
	if v != nil {
		writeStatus(w, http.StatusBadRequest, "INVALID_ARGUMENT", v.why,
			[]any{map[string]any{"@type": typeBadRequest, "fieldViolations": []map[string]string{{"field": v.field, "description": v.why}}}})
		return
	}
	if code := s.tokenCode(sb.Message.Token); code != "" {
		writeTokenError(w, code)
		return
	}
	if sb.ValidateOnly {
		s.mu.Lock()
		s.validated++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, sendAnswer{Name: "projects/" + s.project + "/messages/fake_message_id"})
		return
	}
	name, lost := s.deliver(sb.Message, body)
	if lost {
		// The message is delivered; the answer is not: the stream is reset.
		panic(http.ErrAbortHandler)
	}
	writeJSON(w, http.StatusOK, sendAnswer{Name: name})
}

// sendAnswer is the body of an accepted messages:send: the message's name.
type sendAnswer struct {
	Name string `json:"name"`
}

// readBody reads a request body of at most limit+1 bytes (more is
// returned as limit+1 bytes) in one allocation of the declared length: the
// fake takes tens of thousands of bodies a second in a benchmark, and
// io.ReadAll's growing buffer was a good part of its garbage.
func readBody(r *http.Request, limit int) ([]byte, error) {
	n := limit + 1
	if r.ContentLength >= 0 && r.ContentLength < int64(n) {
		n = int(r.ContentLength) + 1 // +1 sees a body longer than declared
	}
	buf := make([]byte, n)
	got, err := io.ReadFull(r.Body, buf)
	switch {
	case err == nil && got == n && n <= limit:
		// Longer than declared: read on up to the limit.
		rest, err := io.ReadAll(io.LimitReader(r.Body, int64(limit+1-n)))
		return append(buf, rest...), err
	case err == nil, err == io.EOF, err == io.ErrUnexpectedEOF:
		return buf[:got], nil
	}
	return nil, err
}

// decode reads the body strictly, as FCM's JSON parser does.
func decode(body []byte) (sendBody, *violation) {
	var sb sendBody
	if len(body) > maxRequestBytes {
		return sb, &violation{"message", "Request payload size exceeds the limit"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sb); err != nil {
		return sb, &violation{"message", "Invalid JSON payload received. " + err.Error()}
	}
	if dec.More() {
		return sb, &violation{"message", "Invalid JSON payload received. Unexpected content after the object"}
	}
	if sb.Message == nil {
		return sb, &violation{"message", "Required field message is missing"}
	}
	return sb, nil
}

// tokenCode is the error answered for a registration token, "" for a good
// one.
func (s *Server) tokenCode(tok string) string {
	if tok == "" {
		return ""
	}
	if len(tok) > maxTokenLen || !tokenChars(tok) {
		return CodeInvalidArgument
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perToken[tok]
}

// deliver records the message for its token (or topic), and reports
// whether its answer is to be lost.
func (s *Server) deliver(m *message, body []byte) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	name := "projects/" + s.project + "/messages/0:" + strconv.Itoa(s.seq) + "%fake"
	d := Delivery{Token: m.Token, Name: name, At: time.Now()}
	if m.Notification != nil {
		d.Title, d.Body = m.Notification.Title, m.Notification.Body
	}
	if m.Android != nil {
		d.CollapseKey = m.Android.CollapseKey
		if m.Android.Notification != nil {
			d.Tag = m.Android.Notification.Tag
		}
	}
	if m.APNS != nil {
		for k, v := range m.APNS.Headers {
			if strings.EqualFold(k, "apns-collapse-id") {
				d.APNSCollapseID = v
			}
		}
	}
	key := m.Token
	if key == "" {
		key = "topic:" + m.Topic + m.Condition
	}
	s.deliveries[key] = append(s.deliveries[key], d)
	if len(s.bodies) < maxBodies {
		s.bodies = append(s.bodies, append([]byte(nil), body...))
	}
	lost := false
	switch {
	case s.lossNext > 0:
		s.lossNext--
		lost = true
	case s.lossEvery > 0:
		s.sends++
		lost = s.sends%s.lossEvery == 0
	}
	if lost {
		s.lost++
	}
	return name, lost
}

func writeTokenError(w http.ResponseWriter, code string) {
	status, st, msg := http.StatusBadRequest, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"
	switch code {
	case CodeUnregistered:
		status, st, msg = http.StatusNotFound, "NOT_FOUND", "Requested entity was not found."
	case CodeSenderIDMismatch:
		status, st, msg = http.StatusForbidden, "PERMISSION_DENIED", "SenderId mismatch"
	case CodeThirdPartyAuth:
		status, st, msg = http.StatusUnauthorized, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"
	}
	writeStatus(w, status, st, msg, []any{map[string]any{"@type": typeFcmError, "errorCode": code}})
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	switch f.Status {
	case http.StatusTooManyRequests:
		writeStatus(w, f.Status, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send requests'.",
			[]any{map[string]any{"@type": typeFcmError, "errorCode": CodeQuotaExceeded}})
	case http.StatusServiceUnavailable:
		writeStatus(w, f.Status, "UNAVAILABLE", "The service is currently unavailable.",
			[]any{map[string]any{"@type": typeFcmError, "errorCode": CodeUnavailable}})
	case http.StatusInternalServerError:
		writeStatus(w, f.Status, "INTERNAL", "Internal error encountered.",
			[]any{map[string]any{"@type": typeFcmError, "errorCode": CodeInternal}})
	default:
		// A proxy's answer in front of FCM: no google.rpc.Status.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte("<html><body>upstream error</body></html>")) // the client may have gone
	}
}

// writeStatus answers a google.rpc.Status under "error".
func writeStatus(w http.ResponseWriter, code int, status, msg string, details []any) {
	e := map[string]any{"code": code, "message": msg, "status": status}
	if len(details) > 0 {
		e["details"] = details
	}
	writeJSON(w, code, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may have gone; nothing to do
}
