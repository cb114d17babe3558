package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

const (
	// refreshMargin: the token is replaced this long before expires_in runs
	// out, so a send never races the expiry (a token used in its last
	// seconds could expire in flight).
	refreshMargin = 5 * time.Minute
	// tokenFetchTimeout bounds one gettoken call; it runs detached from the
	// caller that started it, because other callers share its result.
	tokenFetchTimeout = 30 * time.Second
	// refusalHold is how long a credentials refusal (40001 bad secret …) is
	// answered from memory. WeCom bans an IP for an hour after repeated
	// wrong-secret attempts (45009), so every batch of a
	// campaign must not hammer gettoken with a secret already refused.
	refusalHold = time.Minute
)

// tokenCache is one Client's access token. It belongs to one account's
// client instance, never to the process: two accounts never share a token.
type tokenCache struct {
	mu        sync.Mutex
	token     string
	refreshAt time.Time
	// flight is the gettoken call in progress; concurrent callers wait on
	// it and share its result.
	flight *tokenFlight
	// refusal is a Permanent gettoken refusal, answered until refusedUntil.
	refusal      error
	refusedUntil time.Time
}

type tokenFlight struct {
	done  chan struct{}
	token string
	err   error
}

// tokenResponse is gettoken's answer.
type tokenResponse struct {
	envelope
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// accessToken returns a valid token, fetching one when there is none, when it
// is within refreshMargin of expiry, or when force is set (Verify). One fetch
// runs at a time; callers that arrive meanwhile wait for it, each bounded by
// its own ctx.
func (c *Client) accessToken(ctx context.Context, force bool) (string, error) {
	c.tok.mu.Lock()
	if f := c.tok.flight; f != nil {
		c.tok.mu.Unlock()
		return waitFlight(ctx, f)
	}
	now := c.now()
	if !force && c.tok.token != "" && now.Before(c.tok.refreshAt) {
		t := c.tok.token
		c.tok.mu.Unlock()
		return t, nil
	}
	if !force && c.tok.refusal != nil && now.Before(c.tok.refusedUntil) {
		err := c.tok.refusal
		c.tok.mu.Unlock()
		return "", err
	}
	f := &tokenFlight{done: make(chan struct{})}
	c.tok.flight = f
	c.tok.mu.Unlock()

	// The fetch must not die with the first caller's context: the others
	// are waiting for the same result.
	go c.runFlight(context.WithoutCancel(ctx), f)
	return waitFlight(ctx, f)
}

func waitFlight(ctx context.Context, f *tokenFlight) (string, error) {
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", providers.TransportError(ctx, providerName, fmt.Errorf("wecom: wait for the access token: %w", ctx.Err()))
	}
}

func (c *Client) runFlight(ctx context.Context, f *tokenFlight) {
	ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
	defer cancel()
	tok, ttl, err := c.fetchToken(ctx)

	c.tok.mu.Lock()
	now := c.now()
	c.tok.flight = nil
	if err == nil {
		c.tok.token = tok
		c.tok.refreshAt = now.Add(refreshAfter(ttl))
		c.tok.refusal = nil
	} else if pe, ok := asProviderError(err); ok && pe.Class == providers.Permanent {
		c.tok.token = ""
		c.tok.refusal = err
		c.tok.refusedUntil = now.Add(refusalHold)
	}
	f.token, f.err = tok, err
	c.tok.mu.Unlock()
	close(f.done)
}

// refreshAfter is when a token of lifetime ttl is replaced: five minutes
// early, or half-way for lifetimes too short for that margin.
func refreshAfter(ttl time.Duration) time.Duration {
	if ttl <= 2*refreshMargin {
		return ttl / 2
	}
	return ttl - refreshMargin
}

// dropToken forgets tok after WeCom refused it. A newer token fetched by
// another caller meanwhile is kept.
func (c *Client) dropToken(tok string) {
	c.tok.mu.Lock()
	if c.tok.token == tok {
		c.tok.token = ""
	}
	c.tok.mu.Unlock()
}

// fetchToken calls gettoken. The secret travels in the query string as the
// protocol demands; errors never carry the URL unredacted.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"corpid": {c.corpID}, "corpsecret": {c.corpSecret}}
	raw, env, err := c.do(ctx, http.MethodGet, c.base+"/cgi-bin/gettoken?"+q.Encode(), nil)
	if err != nil {
		return "", 0, fmt.Errorf("wecom: gettoken: %w", err)
	}
	if code := *env.ErrCode; code != 0 {
		c.log.WarnContext(ctx, "wecom gettoken refused", slog.Int("errcode", code), slog.String("errmsg", env.ErrMsg))
		return "", 0, fmt.Errorf("wecom: gettoken: %w", codeError(code, env.ErrMsg))
	}
	var tr tokenResponse
	if err := json.Unmarshal(raw, &tr); err != nil || tr.AccessToken == "" || tr.ExpiresIn <= 0 {
		return "", 0, fmt.Errorf("wecom: gettoken: %w", &providers.Error{
			Class: providers.Retry, Code: codeBadResponse,
			Msg: "gettoken answered errcode 0 without a usable access_token/expires_in", Err: err,
		})
	}
	c.log.DebugContext(ctx, "wecom token fetched", slog.Int64("expires_in", tr.ExpiresIn))
	return tr.AccessToken, time.Duration(tr.ExpiresIn) * time.Second, nil
}
