package fcm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// FCM's error codes (FcmError.errorCode in Status.details) the client acts on.
const (
	errUnregistered     = "UNREGISTERED"
	errSenderIDMismatch = "SENDER_ID_MISMATCH"
	errInvalidArgument  = "INVALID_ARGUMENT"
	errQuotaExceeded    = "QUOTA_EXCEEDED"
	errUnavailable      = "UNAVAILABLE"
	errInternal         = "INTERNAL"
	errThirdPartyAuth   = "THIRD_PARTY_AUTH_ERROR"
)

// Codes of failures that are the client's, not FCM's.
const (
	codeTokenTransport = "token_transport"
	codeTransport      = "transport"
	codeTimeout        = "timeout"
	codeRefused        = "refused"
)

// MsgThirdPartyAuth is the catalog id shown for THIRD_PARTY_AUTH_ERROR:
// FCM could not reach APNs (or a web push service) for an iOS token
// because the Firebase project's APNs key or certificate is missing or was
// refused, which only the project's settings can fix.
const MsgThirdPartyAuth = "fcm.err.third_party_auth"

// verdict is what one answer means for its recipient.
type verdict int

const (
	// accepted: FCM took the message (HTTP 200).
	accepted verdict = iota
	// invalid: the token will never receive (unregistered, another
	// sender's, malformed).
	invalid
	// failed: refused for this recipient for good.
	failed
	// fatal: refused for a reason every recipient shares (the message,
	// the project, the permissions): the rest of the batch is not sent.
	fatal
	// retry: FCM says it did not take the message (quota, overload,
	// internal error): sending it again cannot deliver twice.
	retry
	// unknown: no answer that says what happened (a transport failure, a
	// timeout, a gateway's 5xx): the message may have been delivered.
	unknown
	// reauth: FCM refused the access token.
	reauth
)

// answer is one recipient's outcome of one attempt.
type answer struct {
	v           verdict
	code, msg   string
	name        string // the message name of an accepted send
	wait        time.Duration
	rateLimited bool
	err         error
}

// classify reads one messages:send answer. A non-200 answer without a
// google.rpc.Status body came from something in front of FCM (a proxy, a
// load balancer) and says nothing of the message, except 429.
func classify(status int, h http.Header, body []byte) answer {
	if status == http.StatusOK {
		var r sendResponse
		_ = json.Unmarshal(body, &r) // 200 is the acceptance; the name is only kept
		return answer{v: accepted, name: r.Name}
	}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error == nil {
		a := answer{v: fatal, code: fmt.Sprintf("http_%d", status), msg: "HTTP " + http.StatusText(status)}
		switch {
		case status == http.StatusTooManyRequests:
			a.v, a.wait, a.rateLimited = retry, providers.RetryAfter(h), true
		case status >= 500:
			a.v, a.wait = unknown, providers.RetryAfter(h)
		case status == http.StatusUnauthorized:
			a.v = reauth
		}
		return a
	}
	return classifyStatus(status, h, eb.Error)
}

func classifyStatus(status int, h http.Header, st *rpcStatus) answer {
	code := fcmErrorCode(st)
	a := answer{code: code, msg: st.Message}
	if code == "" {
		a.code = st.Status
		if a.code == "" {
			a.code = fmt.Sprintf("http_%d", status)
		}
	}
	switch code {
	case errUnregistered, errSenderIDMismatch:
		a.v = invalid
		return a
	case errInvalidArgument:
		a.v = fatal
		if aboutToken(st) {
			a.v = invalid
		}
		return a
	case errQuotaExceeded:
		a.v, a.wait, a.rateLimited = retry, providers.RetryAfter(h), true
		return a
	case errUnavailable:
		a.v, a.wait = retry, providers.RetryAfter(h)
		return a
	case errInternal:
		a.v = retry
		return a
	case errThirdPartyAuth:
		// Only the tokens of APNs (or web push) are refused; an Android
		// token in the same batch is delivered.
		a.v, a.msg = failed, MsgThirdPartyAuth
		return a
	}
	switch {
	case status == http.StatusUnauthorized:
		a.v = reauth
	case status == http.StatusTooManyRequests:
		a.v, a.wait, a.rateLimited = retry, providers.RetryAfter(h), true
	case status == http.StatusServiceUnavailable, status == http.StatusInternalServerError:
		a.v, a.wait = retry, providers.RetryAfter(h)
	case status >= 500:
		a.v, a.wait = unknown, providers.RetryAfter(h)
	default:
		a.v = fatal // PERMISSION_DENIED, a project that does not exist, …
	}
	return a
}

// fcmErrorCode is the errorCode of the Status's FcmError detail, "" when
// there is none.
func fcmErrorCode(st *rpcStatus) string {
	for _, d := range st.Details {
		if d.Type == typeFcmError && d.ErrorCode != "" {
			return d.ErrorCode
		}
	}
	return ""
}

// aboutToken reports whether an INVALID_ARGUMENT refuses the registration
// token rather than the message: a BadRequest naming message.token, or an
// FcmError without field violations whose message speaks of the
// registration token (FCM's "The registration token is not a valid FCM
// registration token"). Anything else is the message's fault and the same
// for every recipient.
func aboutToken(st *rpcStatus) bool {
	sawViolation := false
	for _, d := range st.Details {
		for _, v := range d.FieldViolations {
			sawViolation = true
			if v.Field == "message.token" {
				return true
			}
		}
	}
	return !sawViolation && strings.Contains(strings.ToLower(st.Message), "registration token")
}

// refuse is a Permanent error for a request the client will not send.
func refuse(msg string) *providers.Error {
	return &providers.Error{Class: providers.Permanent, Code: codeRefused, Msg: msg + " (refused before sending)"}
}
