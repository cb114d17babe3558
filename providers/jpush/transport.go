package jpush

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// maxResponse bounds how much of an answer is read.
const maxResponse = 4 << 20

// Quota is the app's call-rate window as JPush's last answer gave it
// (X-Rate-Limit-*): Limit calls per window, Remaining in this one, and the
// window resets Reset after At.
type Quota struct {
	Limit, Remaining int
	Reset            time.Duration
	At               time.Time
}

// Quota returns the rate-limit figures of the last answer that carried
// them; the zero Quota before any.
func (c *Client) Quota() Quota {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.quota
}

// errorBody is JPush's error answer.
type errorBody struct {
	Error *struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// call performs one authenticated request to url and decodes a 200 answer
// into out. Every failure is a *providers.Error.
func (c *Client) call(ctx context.Context, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &providers.Error{Class: providers.Permanent, Code: "encode", Msg: "cannot encode request", Err: fmt.Errorf("jpush: %s: %w", method, err)}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return &providers.Error{Class: providers.Permanent, Code: "request", Msg: "cannot build request", Err: fmt.Errorf("jpush: %s: %w", method, err)}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", c.auth)
	resp, err := c.http.Do(req)
	if err != nil {
		return providers.TransportError(ctx, "JPush", fmt.Errorf("jpush: %w", err))
	}
	defer func() { _ = resp.Body.Close() }() // read to the end or the limit; a close error changes nothing
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return providers.TransportError(ctx, "JPush", fmt.Errorf("jpush: %w", err))
	}
	q := c.noteQuota(resp.Header)
	c.log.DebugContext(ctx, "jpush call", slog.String("method", method), slog.Int("status", resp.StatusCode),
		slog.Int("rate_remaining", q.Remaining), slog.Duration("rate_reset", q.Reset))
	if resp.StatusCode != http.StatusOK {
		return answerError(resp.StatusCode, raw, q)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return badResponse(resp.StatusCode, err)
	}
	return nil
}

// noteQuota reads the rate-limit headers of an answer, keeps them when
// present, and returns them.
func (c *Client) noteQuota(h http.Header) Quota {
	atoi := func(name string) (int, bool) {
		n, err := strconv.Atoi(h.Get(name))
		return n, err == nil && n >= 0
	}
	limit, okL := atoi("X-Rate-Limit-Limit")
	rem, okR := atoi("X-Rate-Limit-Remaining")
	reset, okS := atoi("X-Rate-Limit-Reset")
	if !okL && !okR && !okS {
		return Quota{Remaining: -1}
	}
	q := Quota{Limit: limit, Remaining: rem, Reset: time.Duration(reset) * time.Second, At: c.now()}
	if !okR {
		q.Remaining = -1
	}
	c.mu.Lock()
	c.quota = q
	c.mu.Unlock()
	return q
}

// answerError classifies a non-200 answer: JPush's error body when there
// is one, else the HTTP status alone.
func answerError(status int, raw []byte, q Quota) *providers.Error {
	var eb errorBody
	if json.Unmarshal(raw, &eb) == nil && eb.Error != nil && eb.Error.Code != nil {
		return classify(*eb.Error.Code, eb.Error.Message, status, q)
	}
	e := &providers.Error{Class: providers.Permanent, Code: fmt.Sprintf("http_%d", status), Msg: http.StatusText(status)}
	switch {
	case status == http.StatusTooManyRequests:
		e.Class, e.RateLimited, e.RetryAfter = providers.Retry, true, q.Reset
	case status >= 500:
		e.Class = providers.Retry
	case status == http.StatusUnauthorized:
		e.Class = providers.Reauth
	}
	return e
}

func badResponse(status int, err error) *providers.Error {
	return &providers.Error{Class: providers.Retry, Code: "bad_response",
		Msg: fmt.Sprintf("malformed answer (HTTP %d)", status), Err: fmt.Errorf("jpush: decode answer: %w", err)}
}
