package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Class says what the caller should do about a failure.
type Class int

// Failure classes.
const (
	// Permanent failures are not retried: bad parameters, permissions,
	// invalid recipients.
	Permanent Class = iota
	// Retry failures may succeed later: 5xx, timeouts, frequency limits.
	// RetryAfter carries the provider's wait when it gives one.
	Retry
	// Reauth failures mean the credentials or token were refused; the
	// client has already dropped its cached token and one retry may succeed.
	Reauth
)

func (c Class) String() string {
	switch c {
	case Retry:
		return "retry"
	case Reauth:
		return "reauth"
	default:
		return "permanent"
	}
}

// Error is a classified provider failure carrying the provider's own code
// and message.
type Error struct {
	Class      Class
	RetryAfter time.Duration
	// Code is the provider's code as text ("10001", "81013", "http_503",
	// "timeout").
	Code string
	// Msg is the provider's message, safe to show an operator.
	Msg string
	// RateLimited is set by the provider for its own "too many requests"
	// answers (a frequency or concurrency limit): the account is being sent
	// to faster than the provider accepts, so the engine slows the whole
	// account down, not only this batch.
	RateLimited bool
	// AllRecipientsInvalid is set by the provider when it refused the whole
	// request because not one recipient was valid: nothing was delivered and
	// nothing will be, so the engine records every recipient of the batch as
	// invalid instead of failed.
	AllRecipientsInvalid bool
	// NotDelivered is set by the provider when its answer proves that
	// nothing of the request was delivered (every recipient was refused
	// before the provider took the message: a quota, an overload, a
	// refused token): sending the same request again cannot deliver twice,
	// even where the provider recognises no repeated request.
	NotDelivered bool
	// Err is the underlying transport or decoding error, if any.
	Err error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("provider %s error %s: %s", e.Class, e.Code, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error in err's chain, or a Retry *Error wrapping err
// when there is none (an unclassified failure is assumed transient).
func AsError(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Class: Retry, Code: "error", Msg: "unclassified failure", Err: err}
}

// Codes of a request that got no answer (TransportError).
const (
	// CodeTimeout: the deadline passed or the network timed out; the
	// provider may still have done the work.
	CodeTimeout = "timeout"
	// CodeCanceled: the caller gave up (shutdown, a cancelled request);
	// the provider may still have done the work.
	CodeCanceled = "canceled"
	// CodeTransport: the request could not be sent or its answer not
	// read (refused connection, reset, DNS).
	CodeTransport = "transport"
)

// TransportError classifies a request that got no answer from the provider
// named name. It is always Retry: nothing says the request was refused,
// and the engine's retry, under the same request id, decides whether a
// repeat is safe. The call's context decides first, so a cancelled call is
// "canceled" whatever error the transport made of it, in every client. The
// caller removes from err whatever it must not carry (tokens in a URL)
// before passing it.
func TransportError(ctx context.Context, name string, err error) *Error {
	code, what := CodeTransport, "request failed"
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		code, what = CodeCanceled, "request canceled"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()):
		code, what = CodeTimeout, "request timed out"
	}
	return &Error{Class: Retry, Code: code, Msg: "no answer from " + name + ": " + what, Err: err}
}
