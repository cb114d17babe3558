package getui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/pushdeck/pushdeck/providers"
)

// maxResponse bounds how much of an answer is read.
const maxResponse = 8 << 20

// envelope is GeTui's common answer: success is code == 0.
type envelope struct {
	Code *int            `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// call performs an authenticated API call. When GeTui answers 10001 (token
// wrong or expired) the token is dropped, renewed once and the call retried
// once; a second 10001 is returned as a Reauth error.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	tok, err := c.token(ctx)
	if err != nil {
		return err
	}
	err = c.do(ctx, method, path, tok, in, out)
	if !isReauth(err) {
		return err
	}
	c.log.DebugContext(ctx, "getui token refused; renewing", "path", path)
	tok, err = c.refreshToken(ctx, tok, false)
	if err != nil {
		return err
	}
	err = c.do(ctx, method, path, tok, in, out)
	if isReauth(err) {
		// Drop the token again so the next call authenticates afresh.
		c.tokens.mu.Lock()
		if c.tokens.token == tok {
			c.tokens.token = ""
		}
		c.tokens.mu.Unlock()
	}
	return err
}

func isReauth(err error) bool {
	var pe *providers.Error
	return errors.As(err, &pe) && pe.Class == providers.Reauth
}

// do sends one request and decodes the envelope; on success the data is
// decoded into out (when out is not nil and data is present). token is
// empty for /auth.
func (c *Client) do(ctx context.Context, method, path, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &providers.Error{Class: providers.Permanent, Code: "encode", Msg: "cannot encode request", Err: err}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return &providers.Error{Class: providers.Permanent, Code: "request", Msg: "cannot build request", Err: err}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json;charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("token", token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return providers.TransportError(ctx, providerName, err)
	}
	defer func() {
		// The body was read to the end or the limit; a close error changes nothing.
		_ = resp.Body.Close()
	}()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return providers.TransportError(ctx, providerName, err)
	}
	return decodeAnswer(resp, raw, out)
}

// decodeAnswer classifies an HTTP answer and decodes its data.
func decodeAnswer(resp *http.Response, raw []byte, out any) error {
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return &providers.Error{Class: providers.Retry, RetryAfter: providers.RetryAfter(resp.Header),
			Code: fmt.Sprintf("http_%d", resp.StatusCode), Msg: http.StatusText(resp.StatusCode),
			RateLimited: resp.StatusCode == http.StatusTooManyRequests}
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest &&
		resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden:
		// 404, 405 and other statuses carry no JSON body to decode.
		return &providers.Error{Class: providers.Permanent,
			Code: fmt.Sprintf("http_%d", resp.StatusCode), Msg: http.StatusText(resp.StatusCode)}
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.Code == nil {
		if err == nil {
			err = errors.New("answer without code")
		}
		return badResponse(resp.StatusCode, err)
	}
	if *env.Code != 0 {
		return classify(*env.Code, env.Msg, resp.Header)
	}
	if out == nil || len(env.Data) == 0 || string(env.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return badResponse(resp.StatusCode, err)
	}
	return nil
}

func badResponse(status int, err error) *providers.Error {
	return &providers.Error{Class: providers.Retry, Code: "bad_response",
		Msg: fmt.Sprintf("malformed answer (HTTP %d)", status), Err: err}
}
