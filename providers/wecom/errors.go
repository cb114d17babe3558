package wecom

import (
	"strconv"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// WeCom errcodes the client acts on (the package doc says what each means
// to the engine).
const (
	errSystemBusy       = -1    // 系统繁忙: retry, at most 3 times per the doc
	errVersionConflict  = 6000  // 数据版本冲突: retry later
	errInvalidToken     = 40014 // access_token invalid (revoked early)
	errMissingToken     = 41001 // access_token missing
	errTokenExpired     = 42001 // access_token expired
	errFrequencyLimit   = 45009 // API frequency exceeded: blocked for the whole window
	errConcurrencyLimit = 45033 // API concurrency exceeded
	errAllInvalid       = 81013 // every user/party/tag invalid or not permitted
)

// codeBadResponse is the Code of an answer that could not be decoded.
const codeBadResponse = "bad_response"

// Waits suggested to the engine. 45009 blocks for the whole window that was
// exceeded (minute, hour or day) and the answer does not say which, so the
// shortest window is given and the engine's backoff grows from there.
const (
	frequencyWait   = time.Minute
	concurrencyWait = 2 * time.Second
	busyWait        = time.Second
)

// isTokenError reports whether WeCom refused the token that was sent:
// 40014 and 42001 always; 41001 only when the token was empty (otherwise
// 41001 means the token went somewhere other than the query: a bug).
func isTokenError(code int, sent string) bool {
	switch code {
	case errInvalidToken, errTokenExpired:
		return true
	case errMissingToken:
		return sent == ""
	}
	return false
}

// codeError classifies a non-zero errcode of gettoken, message/send or
// recall. Frequency limits and system busy are Retry; everything else
// (parameters, permissions, untrusted IP, 81013 all recipients invalid, and
// for gettoken 40001/40013 bad secret or corpid, where retrying risks
// WeCom's one-hour IP ban) is Permanent.
func codeError(code int, msg string) *providers.Error {
	e := &providers.Error{Class: providers.Permanent, Code: itoa(code), Msg: msg}
	switch code {
	case errFrequencyLimit:
		e.Class, e.RetryAfter, e.RateLimited = providers.Retry, frequencyWait, true
	case errConcurrencyLimit:
		e.Class, e.RetryAfter, e.RateLimited = providers.Retry, concurrencyWait, true
	case errSystemBusy, errVersionConflict:
		e.Class, e.RetryAfter = providers.Retry, busyWait
	case errAllInvalid:
		e.AllRecipientsInvalid = true
	}
	return e
}

func itoa(n int) string { return strconv.Itoa(n) }
