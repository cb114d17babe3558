package apns

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// maxAnswer bounds the error body read from APNs: a reason and a timestamp.
const maxAnswer = 4 << 10

// headers are the per-message request headers (the same for every
// recipient of a batch, except apns-id).
type headers struct {
	pushType, priority, expiration, collapseID string
}

// callTimeout bounds one request, its answer read included. APNs answers
// in milliseconds; a request still waiting after this is a lost answer.
const callTimeout = 30 * time.Second

// shared is the part of a request's header map every recipient of a call
// has in common, built once per call. The keys are lower case, as HTTP/2
// sends them: Go's transport lowers every key it sends, and a key it does
// not know (all the apns- ones) would be a new string per request. The
// value slices are shared by the requests in flight, which only read them.
type shared map[string][]string

// sharedHeaders builds the common headers for h and the account's topic.
func (c *Client) sharedHeaders(h headers) shared {
	s := shared{
		"apns-topic":       {c.acct.bundleID},
		"apns-push-type":   {h.pushType},
		"apns-priority":    {h.priority},
		"apns-collapse-id": {h.collapseID},
	}
	if h.expiration != "" {
		s["apns-expiration"] = []string{h.expiration}
	}
	return s
}

// state is where one recipient stands within a Send.
type state int

const (
	stateUnsent    state = iota // not sent: an earlier answer stopped the batch
	stateAccepted               // 200
	stateInvalid                // the device token is not (or no longer) valid for the app
	stateRetry                  // not delivered, may be later: 429, 500, 503, no answer
	stateReauth                 // the provider token was refused, also after a new one
	statePermanent              // the request itself was refused; the same for every recipient
)

// status is one recipient's answer.
type status struct {
	state state
	// code is Apple's reason ("BadDeviceToken") or a transport code
	// ("transport"); msg is the text an operator sees.
	code, msg   string
	retryAfter  time.Duration
	rateLimited bool
	// unknown is set when an attempt got no answer: the notification may
	// have been delivered.
	unknown bool
}

// apnsID is the notification's UUID, derived from the batch's request id
// and the device token so that every attempt for one recipient carries the
// same one (APNs only echoes it, but logs and Apple's delivery log then
// show one notification, not one per attempt). It is built in place, one
// allocation for the string: it is computed for every request.
func apnsID(requestID, token string) string {
	var in [256]byte
	sum := sha256.Sum256(append(append(append(in[:0], requestID...), 0), token...))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8: a custom, name-derived UUID
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		hex.Encode(out[j:j+2], []byte{c})
		j += 2
	}
	return string(out[:])
}

// deliver sends one notification, replacing a refused provider token once.
func (c *Client) deliver(ctx context.Context, requestID, token string, sh shared, body []byte) status {
	tok, err := c.token()
	if err != nil {
		return status{state: statePermanent, code: "provider_token", msg: err.Error()}
	}
	st := c.post(ctx, requestID, token, sh, body, tok)
	if st.state != stateReauth {
		return st
	}
	next, ok, err := c.renew(tok.jwt)
	switch {
	case err != nil:
		return status{state: statePermanent, code: "provider_token", msg: err.Error()}
	case !ok:
		return st
	}
	return c.post(ctx, requestID, token, sh, body, next)
}

// answerBody is APNs' error body.
type answerBody struct {
	Reason    string `json:"reason"`
	Timestamp int64  `json:"timestamp"`
}

// post performs one request and classifies the answer. It goes straight
// to the transport (providers.RoundTripper says why), bounded by
// callTimeout.
func (c *Client) post(ctx context.Context, requestID, token string, sh shared, body []byte, tok provToken) status {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/3/device/"+token, bytes.NewReader(body))
	if err != nil {
		return status{state: statePermanent, code: "bad_request", msg: err.Error()}
	}
	hdr := make(http.Header, len(sh)+2)
	for k, v := range sh {
		hdr[k] = v
	}
	hdr["authorization"] = tok.bearer
	hdr["apns-id"] = []string{apnsID(requestID, token)}
	req.Header = hdr
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		// Classified as every client classifies a request with no answer
		// (timeout, canceled, transport).
		code := providers.TransportError(ctx, "APNs", err).Code
		return status{state: stateRetry, code: code, unknown: true,
			msg: "no answer from APNs; the notification may have been delivered: " + redact(err, tok.jwt)}
	}
	defer func() { _ = resp.Body.Close() }() // a read-only body: nothing to lose on close
	c.warm.Store(true)
	if resp.StatusCode == http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer)) // drain so the stream ends cleanly
		return status{state: stateAccepted}
	}
	var ab answerBody
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err == nil {
		err = json.Unmarshal(raw, &ab)
	}
	if err != nil || ab.Reason == "" {
		ab.Reason = "http_" + strconv.Itoa(resp.StatusCode)
	}
	st := classify(resp.StatusCode, ab)
	st.retryAfter = providers.RetryAfter(resp.Header)
	return st
}

// classify maps an APNs error answer onto a recipient's state.
func classify(code int, ab answerBody) status {
	st := status{code: ab.Reason, msg: "APNs: " + ab.Reason}
	switch {
	case code == http.StatusGone:
		// Unregistered / ExpiredToken: the timestamp is when APNs learned
		// the token stopped being valid; a device registering a token
		// after it is the only way back.
		st.state = stateInvalid
		if ab.Timestamp > 0 {
			st.msg += " since " + time.UnixMilli(ab.Timestamp).UTC().Format(time.RFC3339)
		}
	case code == http.StatusBadRequest && (ab.Reason == "BadDeviceToken" || ab.Reason == "DeviceTokenNotForTopic"):
		st.state = stateInvalid
	case code == http.StatusForbidden && (ab.Reason == "ExpiredProviderToken" || ab.Reason == "InvalidProviderToken"):
		st.state = stateReauth
	case code == http.StatusTooManyRequests:
		// TooManyRequests (one device flooded) or TooManyProviderTokenUpdates.
		st.state, st.rateLimited = stateRetry, true
	case code == http.StatusInternalServerError || code == http.StatusServiceUnavailable:
		st.state = stateRetry
	default:
		// Other 400s (BadTopic, TopicDisallowed, BadExpirationDate…),
		// 403s (a key not for this team or environment), 404, 405, 413:
		// the request is wrong, for every recipient alike.
		st.state = statePermanent
	}
	return st
}

// asError is the *providers.Error for a batch whose every recipient ended
// in this state.
func (s status) asError() *providers.Error {
	e := &providers.Error{Code: s.code, Msg: s.msg, RetryAfter: s.retryAfter, RateLimited: s.rateLimited}
	switch s.state {
	case stateRetry:
		e.Class = providers.Retry
	case stateReauth:
		e.Class = providers.Reauth
		e.Msg += " (refused again after a new provider token: check the key id, team id and .p8 key)"
	default:
		e.Class = providers.Permanent
	}
	return e
}

// redact removes the provider token from a transport error's text (Go's
// errors quote the URL, not headers, but a proxy's error might not).
func redact(err error, jwt string) string {
	return string(bytes.ReplaceAll([]byte(err.Error()), []byte(jwt), []byte("[REDACTED]")))
}

// expiration is the apns-expiration header for a TTL: APNs stores the
// notification for an offline device until then; "" leaves its default.
func expiration(now time.Time, ttl time.Duration) string {
	if ttl <= 0 {
		return ""
	}
	return fmt.Sprint(now.Add(ttl).Unix())
}
