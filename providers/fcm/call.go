package fcm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/pushdeck/pushdeck/providers"
)

// maxResponseBytes bounds what is read of one answer; FCM's are tiny.
const maxResponseBytes = 64 << 10

// call performs one messages:send exchange with the cached access token
// and classifies the answer. A 401 drops the token, so the caller's next
// attempt fetches a new one — once per refresh allowance: the requests of
// one send share it, so a token fetched after the first 401 and refused
// too is not dropped again by the requests still in flight (each would
// fetch yet another).
func (c *Client) call(ctx context.Context, body []byte, refresh *atomic.Bool) answer {
	tok, gen, err := c.tok.token()
	if err != nil {
		pe := providers.AsError(err)
		a := answer{v: fatal, code: pe.Code, msg: pe.Msg, wait: pe.RetryAfter, err: pe.Err}
		if pe.Class != providers.Permanent {
			a.v = retry // nothing was sent without a token
		}
		return a
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, c.sendURL, bytes.NewReader(body))
	if err != nil {
		return answer{v: fatal, code: codeRefused, msg: "cannot build the request", err: err}
	}
	req.Header = c.headers(tok)
	resp, err := c.conns[c.next.Add(1)%connPool].RoundTrip(req)
	if err != nil {
		return transportAnswer(ctx, err)
	}
	defer func() {
		_ = resp.Body.Close() // read to the end below; a close error changes nothing
	}()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return transportAnswer(ctx, err)
	}
	a := classify(resp.StatusCode, resp.Header, raw)
	if a.v == reauth && refresh != nil && refresh.CompareAndSwap(true, false) {
		c.tok.refused(gen)
	}
	return a
}

// authHeaders is the header set of the current access token.
type authHeaders struct {
	tok string
	h   http.Header
}

// headers returns the request headers for access token tok, built once per
// token: every request of an account carries the same ones. The transport
// only reads a request's headers (no cookie jar, no redirect is followed
// for a POST answered 200), so requests in flight share the map; nobody
// writes to it after it is published.
func (c *Client) headers(tok string) http.Header {
	if a := c.hdr.Load(); a != nil && a.tok == tok {
		return a.h
	}
	h := http.Header{
		"Authorization": {"Bearer " + tok},
		"Content-Type":  {"application/json; charset=utf-8"},
	}
	c.hdr.Store(&authHeaders{tok: tok, h: h})
	return h
}

// transportAnswer classifies a failed exchange. A failed dial sent
// nothing; any other failure (a timeout, a reset stream) may have come
// after FCM took the message.
func transportAnswer(ctx context.Context, err error) answer {
	a := answer{v: unknown, code: codeTransport, msg: "the request failed with no answer", err: err}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &oe) && oe.Op == "dial":
		a.v, a.msg = retry, "could not connect to FCM"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		a.code, a.msg = codeTimeout, "the request timed out with no answer"
	case ctx.Err() != nil:
		a.code, a.msg = "canceled", "the request was canceled"
	}
	return a
}

// error is the answer as the engine's error.
func (a answer) error() *providers.Error {
	e := &providers.Error{Class: providers.Permanent, Code: a.code, Msg: a.msg, RetryAfter: a.wait, RateLimited: a.rateLimited, Err: a.err}
	switch a.v {
	case retry:
		e.Class, e.NotDelivered = providers.Retry, true
	case unknown:
		e.Class = providers.Retry
	case reauth:
		e.Class, e.NotDelivered = providers.Reauth, true
	case invalid:
		e.AllRecipientsInvalid = true
	}
	return e
}

// oneRefresh is an allowance for a single token refresh.
func oneRefresh() *atomic.Bool {
	var b atomic.Bool
	b.Store(true)
	return &b
}
