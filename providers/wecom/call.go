package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/pushdeck/pushdeck/providers"
)

// maxResponseBytes bounds what is read of one answer; WeCom's are tiny.
const maxResponseBytes = 1 << 20

// envelope is the part every WeCom answer shares. ErrCode is a pointer so an
// answer without it is recognised as malformed rather than read as success.
type envelope struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// authedPost posts body to path with the cached access token. When WeCom
// refuses the token (40014 invalid, 42001 expired, 41001 missing while the
// token was empty) it drops the token, fetches a new one and retries once;
// a second refusal is a Reauth error. The body is sent byte-identical on the
// retry, which keeps enable_duplicate_check effective. Any other errcode is
// returned in the envelope for the caller to classify.
func (c *Client) authedPost(ctx context.Context, path string, body []byte) ([]byte, envelope, error) {
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx, false)
		if err != nil {
			return nil, envelope{}, err
		}
		u := c.base + path + "?" + url.Values{"access_token": {tok}}.Encode()
		raw, env, err := c.do(ctx, http.MethodPost, u, body)
		if err != nil {
			return nil, env, err
		}
		code := *env.ErrCode
		if !isTokenError(code, tok) {
			return raw, env, nil
		}
		c.dropToken(tok)
		c.log.InfoContext(ctx, "wecom token refused", slog.Int("errcode", code), slog.Int("attempt", attempt+1))
		if attempt > 0 {
			return nil, env, &providers.Error{Class: providers.Reauth, Code: itoa(code), Msg: env.ErrMsg}
		}
	}
}

// do performs one HTTP exchange and decodes the envelope. Transport errors,
// 5xx and undecodable answers are Retry; other non-200 statuses are
// Permanent (WeCom answers business errors with HTTP 200).
func (c *Client) do(ctx context.Context, method, rawURL string, body []byte) ([]byte, envelope, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, envelope{}, &providers.Error{Class: providers.Permanent, Code: "bad_request", Msg: "cannot build request", Err: redact(err)}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, envelope{}, providers.TransportError(ctx, providerName, redact(err))
	}
	defer func() {
		_ = resp.Body.Close() // read fully below; a close error changes nothing
	}()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, envelope{}, providers.TransportError(ctx, providerName, redact(err))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, envelope{}, statusError(resp)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.ErrCode == nil {
		if err == nil {
			err = errors.New("answer has no errcode")
		}
		return nil, envelope{}, &providers.Error{Class: providers.Retry, Code: codeBadResponse, Msg: "malformed JSON answer", Err: err}
	}
	return raw, env, nil
}

func statusError(resp *http.Response) *providers.Error {
	code := fmt.Sprintf("http_%d", resp.StatusCode)
	msg := "HTTP " + resp.Status
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests:
		return &providers.Error{Class: providers.Retry, RetryAfter: providers.RetryAfter(resp.Header), Code: code, Msg: msg,
			RateLimited: resp.StatusCode == http.StatusTooManyRequests}
	default:
		return &providers.Error{Class: providers.Permanent, Code: code, Msg: msg}
	}
}

// redact removes access_token and corpsecret from a *url.Error's URL.
func redact(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable URL]"
	}
	q := u.Query()
	for _, k := range []string{"access_token", "corpsecret"} {
		if q.Has(k) {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
