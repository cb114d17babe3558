package apnsfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// isHex reports whether s is hex digits only.
func isHex(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return (r < '0' || r > '9') && (r < 'a' || r > 'f') && (r < 'A' || r > 'F')
	}) < 0
}

// validDeviceToken is today's token format: 32 bytes as 64 hex digits.
func validDeviceToken(t string) bool { return len(t) == 64 && isHex(t) }

// validUUID is the canonical 8-4-4-4-12 form apns-id must have.
func validUUID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// zeroToken belongs to no device: APNs answers BadDeviceToken for it, which
// is what a connection test relies on.
const zeroToken = "0000000000000000000000000000000000000000000000000000000000000000"

// payload is what the fake reads of a body.
type payload struct {
	APS *struct {
		Alert            json.RawMessage `json:"alert"`
		ContentAvailable int             `json:"content-available"`
	} `json:"aps"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if r.ProtoMajor != 2 {
		http.Error(w, "APNs speaks HTTP/2 only", http.StatusHTTPVersionNotSupported)
		return
	}
	token, ok := strings.CutPrefix(r.URL.Path, "/3/device/")
	if !ok {
		refuse(w, http.StatusNotFound, "BadPath", 0)
		return
	}
	if r.Method != http.MethodPost {
		refuse(w, http.StatusMethodNotAllowed, "MethodNotAllowed", 0)
		return
	}
	if reason := s.checkAuth(r.Header.Get("Authorization")); reason != "" {
		refuse(w, http.StatusForbidden, reason, 0)
		return
	}
	body, err := readBody(r, MaxPayload)
	if err != nil {
		refuse(w, http.StatusBadRequest, "BadPayload", 0)
		return
	}
	d := Delivery{Token: token, APNsID: r.Header.Get("Apns-Id"), CollapseID: r.Header.Get("Apns-Collapse-Id"),
		PushType: r.Header.Get("Apns-Push-Type"), Priority: r.Header.Get("Apns-Priority"), Expiration: r.Header.Get("Apns-Expiration")}
	if status, reason := s.check(r.Header, d, body); reason != "" {
		refuse(w, status, reason, 0)
		return
	}
	if token == "" {
		refuse(w, http.StatusBadRequest, "MissingDeviceToken", 0)
		return
	}
	if !validDeviceToken(token) || token == zeroToken {
		refuse(w, http.StatusBadRequest, "BadDeviceToken", 0)
		return
	}
	s.answer(w, d, body)
}

// check applies APNs' header and payload rules; reason "" passes. A
// campaign sends one body many times: the verdict on a body and push type
// is kept, so a benchmark measures the client, not the fake's JSON decoder.
func (s *Server) check(h http.Header, d Delivery, body []byte) (int, string) {
	if status, reason := checkHeaders(h, d); reason != "" {
		return status, reason
	}
	key := verdictKey{pushType: d.PushType, priority: d.Priority}
	s.mu.Lock()
	v, ok := s.verdicts[key][string(body)] // looked up without copying the body
	s.mu.Unlock()
	if ok {
		return v.status, v.reason
	}
	v.status, v.reason = checkBody(d, body)
	s.mu.Lock()
	if s.verdictCount < maxVerdicts {
		if s.verdicts[key] == nil {
			s.verdicts[key] = map[string]verdict{}
		}
		s.verdicts[key][string(body)] = v
		s.verdictCount++
	}
	s.mu.Unlock()
	return v.status, v.reason
}

// maxVerdicts bounds the verdict cache (a test sending distinct bodies).
const maxVerdicts = 1024

// verdictKey is what a body's verdict depends on besides the body.
type verdictKey struct{ pushType, priority string }

type verdict struct {
	status int
	reason string
}

// checkHeaders applies the header rules.
func checkHeaders(h http.Header, d Delivery) (int, string) {
	switch {
	case h.Get("Apns-Topic") == "":
		return http.StatusBadRequest, "MissingTopic"
	case h.Get("Apns-Topic") != BundleID:
		return http.StatusBadRequest, "TopicDisallowed"
	case d.PushType != "alert" && d.PushType != "background":
		return http.StatusBadRequest, "InvalidPushType"
	case d.Priority != "10" && d.Priority != "5" && d.Priority != "1":
		return http.StatusBadRequest, "BadPriority"
	case len(d.CollapseID) > 64:
		return http.StatusBadRequest, "BadCollapseId"
	case d.APNsID != "" && !validUUID(d.APNsID):
		return http.StatusBadRequest, "BadMessageId"
	}
	if d.Expiration != "" {
		if _, err := strconv.ParseInt(d.Expiration, 10, 64); err != nil {
			return http.StatusBadRequest, "BadExpirationDate"
		}
	}
	return 0, ""
}

// checkBody applies the payload rules.
func checkBody(d Delivery, body []byte) (int, string) {
	if len(body) > MaxPayload {
		return http.StatusRequestEntityTooLarge, "PayloadTooLarge"
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return http.StatusBadRequest, "PayloadEmpty"
	}
	return checkPayload(d, body)
}

// checkPayload applies the payload rules that depend on the push type.
func checkPayload(d Delivery, body []byte) (int, string) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil || p.APS == nil {
		return http.StatusBadRequest, "BadPayload"
	}
	// A background push wakes the app silently: content-available 1, no
	// alert, and priority 5; an alert push shows an alert.
	if d.PushType == "background" && (p.APS.ContentAvailable != 1 || len(p.APS.Alert) > 0) {
		return http.StatusBadRequest, "InvalidPushType"
	}
	if d.PushType == "background" && d.Priority == "10" {
		return http.StatusBadRequest, "BadPriority"
	}
	if d.PushType == "alert" && len(p.APS.Alert) == 0 {
		return http.StatusBadRequest, "InvalidPushType"
	}
	return 0, ""
}

// answer applies the device's state and the scripted faults, then records
// the delivery and answers 200 with the apns-id.
func (s *Server) answer(w http.ResponseWriter, d Delivery, body []byte) {
	s.mu.Lock()
	if since, ok := s.gone[d.Token]; ok {
		s.mu.Unlock()
		refuse(w, http.StatusGone, "Unregistered", since.UnixMilli())
		return
	}
	if s.notTopic[d.Token] {
		s.mu.Unlock()
		refuse(w, http.StatusBadRequest, "DeviceTokenNotForTopic", 0)
		return
	}
	f := s.faultFor(d.Token)
	if f.answer != nil {
		s.mu.Unlock()
		if f.answer.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.answer.RetryAfter))
		}
		refuse(w, f.answer.Status, f.answer.Reason, 0)
		return
	}
	p, ok := s.bodies[string(body)]
	if !ok {
		p = string(body)
		s.bodies[p] = p
	}
	d.Payload = p
	s.deliveries[d.Token] = append(s.deliveries[d.Token], d)
	s.mu.Unlock()
	if f.lose {
		panic(http.ErrAbortHandler) // resets the stream: taken, but the answer is lost
	}
	id := d.APNsID
	if id == "" {
		id = "00000000-0000-4000-8000-000000000000"
	}
	w.Header().Set("apns-id", id)
	w.WriteHeader(http.StatusOK)
}

// readBody reads a request body of at most limit+1 bytes (more is
// returned as limit+1 bytes, which the checks refuse) in one allocation of
// the declared length: the fake takes tens of thousands of bodies a second
// in a benchmark, and io.ReadAll's growing buffer was most of its garbage.
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

// refuse writes APNs' error body.
func refuse(w http.ResponseWriter, status int, reason string, ts int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b := struct {
		Reason    string `json:"reason"`
		Timestamp int64  `json:"timestamp,omitempty"`
	}{reason, ts}
	_ = json.NewEncoder(w).Encode(b) // the client may have gone; nothing to do about it
}
