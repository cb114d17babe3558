package mxpush

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// MX push result codes, as the server API lists them. The service
// documents no frequency-limit code.
const (
	codeOK               = 200
	codeBadParams        = 10002
	codeTokenMissing     = 10003
	codeTokenInvalid     = 10008
	codeNoPermission     = 10010
	codeXiaomiUpload     = 12001
	codeImageTooLarge    = 12002
	codeOPPOUpload       = 12003
	codeImageUnavailable = 12004
	codeTooManyTargets   = 12005
	codePushDisabled     = 12006
	codeServerDB         = 20000
	codeLicenceInvalid   = 30021
	codeLicenceExpired   = 30022
	codeLicenceLimit     = 30023
	codeAppNotFound      = 40000
)

// throttleWindow is the wait suggested for an HTTP 429 without Retry-After.
// MX push documents no rate limit or window, so this is a guess [I].
const throttleWindow = 10 * time.Second

// codeError classifies a non-200 business code.
func codeError(code int, msg string) *providers.Error {
	e := &providers.Error{Class: providers.Permanent, Code: strconv.Itoa(code), Msg: msg}
	switch code {
	case codeTokenInvalid, codeTokenMissing:
		// The access-token is a static console token ("Token管理"): MX push
		// has no API that issues or refreshes it, so the client cannot drop
		// and re-fetch it the way GeTui/WeCom clients do. Reauth tells the
		// engine the credentials were refused; only an operator replacing
		// the token (a new client) can fix it, so the engine must not loop.
		e.Class = providers.Reauth
	case codeServerDB, codeXiaomiUpload, codeOPPOUpload:
		// A server-side database error and a failed upload of the image to
		// a vendor are transient; request_id makes a retry safe.
		e.Class = providers.Retry
	}
	if e.Msg == "" {
		e.Msg = codeText(code)
	}
	return e
}

// codeText is a fallback message when the server sends none.
func codeText(code int) string {
	switch code {
	case codeBadParams:
		return "invalid request parameters"
	case codeTokenMissing:
		return "access-token header missing"
	case codeTokenInvalid:
		return "access-token invalid"
	case codeNoPermission:
		return "no permission"
	case codeImageTooLarge:
		return "push image must be smaller than 1 MB"
	case codeImageUnavailable:
		return "push image URL cannot be downloaded"
	case codeTooManyTargets:
		return "target list longer than 500"
	case codePushDisabled:
		return "push is not enabled for this app"
	case codeAppNotFound:
		return "app_id does not exist"
	case codeLicenceInvalid, codeLicenceExpired, codeLicenceLimit:
		return "licence invalid, expired or over its limit"
	}
	return "mxpush error"
}

// httpError classifies a non-200 HTTP status. env is the decoded envelope
// when the body was one (nil otherwise); its code wins for 4xx.
func httpError(resp *http.Response, env *envelope) *providers.Error {
	st := resp.StatusCode
	code := "http_" + strconv.Itoa(st)
	msg := http.StatusText(st)
	if env != nil && env.Message != "" {
		msg = env.Message
	}
	switch {
	case st >= 500:
		// 503 is what a gateway in front of the service answers when it
		// sheds load: a push-back on the account's rate like 429.
		return &providers.Error{Class: providers.Retry, RetryAfter: providers.RetryAfter(resp.Header), Code: code, Msg: msg,
			RateLimited: st == http.StatusServiceUnavailable}
	case st == http.StatusTooManyRequests:
		wait := providers.RetryAfter(resp.Header)
		if wait == 0 {
			wait = throttleWindow
		}
		return &providers.Error{Class: providers.Retry, RetryAfter: wait, Code: code, Msg: msg, RateLimited: true}
	case env != nil && env.Code != 0 && env.Code != codeOK:
		return codeError(env.Code, env.Message)
	case st == http.StatusUnauthorized:
		// Swagger lists 401 for every push endpoint: the token was refused.
		return &providers.Error{Class: providers.Reauth, Code: code, Msg: msg}
	}
	return &providers.Error{Class: providers.Permanent, Code: code, Msg: msg}
}

// badResponse is a 200 whose body is not the documented envelope.
func badResponse(op string, err error) *providers.Error {
	return &providers.Error{Class: providers.Retry, Code: "bad_response", Msg: "malformed response from mxpush", Err: fmt.Errorf("mxpush: %s: %w", op, err)}
}

// invalid is a request the client refuses before any call.
func invalid(format string, args ...any) *providers.Error {
	return &providers.Error{Class: providers.Permanent, Code: "invalid_request", Msg: "mxpush: " + fmt.Sprintf(format, args...)}
}
