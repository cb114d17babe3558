package getui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// GeTui return codes the client acts on (the package doc says what each
// means to the engine).
const (
	codeServiceStarting = 2
	codeTokenInvalid    = 10001
	codeAuthPerMinute   = 10003
	codeAPIPerMinute    = 10005
	codeParam           = 20001
	codeListPerMinute   = 30015
	codeSystemBusy      = 30019
)

// msgTargetInvalid is the 20001 message for unknown cids or aliases.
const msgTargetInvalid = "target user is invalid"

// Waits for the window-based quotas.
const (
	busyWait   = 5 * time.Second
	minuteWait = time.Minute
)

// quotaWindow says how long a quota code blocks: a minute for per-minute
// quotas (10003, 10005, 30012–30015, 30018), until the next day for daily
// ones (30004, 30006–30011); zero for any other code.
func quotaWindow(code int, now time.Time) time.Duration {
	switch code {
	case codeAuthPerMinute, codeAPIPerMinute, 30012, 30013, 30014, codeListPerMinute, 30018:
		return minuteWait
	case 30004, 30006, 30007, 30008, 30009, 30010, 30011:
		return untilNextDay(now)
	}
	return 0
}

// classify turns a non-zero GeTui code into a *providers.Error: 10001 is
// Reauth; 2, 30019 are Retry after a short wait; per-minute quotas (10003,
// 10005, 30012–30015, 30018) Retry after a minute; daily quotas Retry at the
// next midnight in China; everything else is Permanent. The API-call and
// list-push frequency limits (10005, 30015) are the ones the send rate
// itself causes, so they are marked RateLimited.
func classify(code int, msg string, h http.Header) *providers.Error {
	e := &providers.Error{Class: providers.Permanent, Code: strconv.Itoa(code), Msg: msg,
		RateLimited: code == codeAPIPerMinute || code == codeListPerMinute}
	wait := providers.RetryAfter(h)
	switch {
	case code == codeTokenInvalid:
		e.Class = providers.Reauth
	case code == codeServiceStarting || code == codeSystemBusy:
		e.Class, e.RetryAfter = providers.Retry, orWait(wait, busyWait)
	case quotaWindow(code, time.Now()) > 0:
		e.Class, e.RetryAfter = providers.Retry, orWait(wait, quotaWindow(code, time.Now()))
	}
	return e
}

func orWait(given, def time.Duration) time.Duration {
	if given > 0 {
		return given
	}
	return def
}

// untilNextDay is the time from now to the next midnight in China (UTC+8,
// no daylight saving), GeTui's day boundary for the daily quotas.
func untilNextDay(now time.Time) time.Duration {
	cst := time.FixedZone("CST", 8*3600)
	t := now.In(cst)
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, cst)
	return next.Sub(now)
}
