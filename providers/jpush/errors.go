package jpush

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// JPush error codes the client acts on.
const (
	codeInternal        = 1000
	codeMissingParam    = 1002
	codeInvalidParam    = 1003
	codeAuthFailed      = 1004
	codeTooLarge        = 1005
	codeBadAppKey       = 1008
	codeUnsupportedKey  = 1009
	codeNoTarget        = 1011
	codeInternalTimeout = 1030
	codeRateLimited     = 2002
)

// busyWait is the wait after an internal error or timeout when JPush gives
// none.
const busyWait = 5 * time.Second

// classify maps JPush's code onto a *providers.Error:
//
//   - 1000, 1030 and any 5xx: Retry (the service failed, not the request);
//   - 2002 or HTTP 429: Retry after X-Rate-Limit-Reset, RateLimited (the
//     app's call rate is spent until the window resets);
//   - 1004, 1008: Reauth (the app key or master secret was refused);
//   - 1011: Permanent, AllRecipientsInvalid (no device matched the
//     audience, so nothing was and nothing will be delivered);
//   - everything else (1002, 1003, 1005, 1009, permissions): Permanent.
func classify(code int, msg string, status int, q Quota) *providers.Error {
	e := &providers.Error{Class: providers.Permanent, Code: strconv.Itoa(code), Msg: msg}
	switch {
	case code == codeRateLimited || status == http.StatusTooManyRequests:
		e.Class, e.RateLimited = providers.Retry, true
		e.RetryAfter = q.Reset
		if e.RetryAfter <= 0 {
			e.RetryAfter = time.Second
		}
	case code == codeInternal || code == codeInternalTimeout || status >= 500:
		e.Class, e.RetryAfter = providers.Retry, busyWait
	case code == codeAuthFailed || code == codeBadAppKey:
		e.Class = providers.Reauth
	case code == codeNoTarget:
		e.AllRecipientsInvalid = true
	}
	return e
}
