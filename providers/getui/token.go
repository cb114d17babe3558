package getui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

const (
	// refreshMargin is how long before expire_time the token is renewed.
	// GeTui tokens live a day; the Java SDK renews an hour early, five
	// minutes is enough to cover clock skew and a slow call.
	refreshMargin = 5 * time.Minute
	// authTimeout bounds one auth flight, which runs detached from the
	// caller that started it so its cancellation does not fail the others.
	authTimeout = 30 * time.Second
)

// tokenCache holds one account's token. One refresh runs at a time:
// concurrent callers wait for the flight in progress and share its result.
type tokenCache struct {
	mu     sync.Mutex
	token  string
	issued time.Time
	expire time.Time
	flight *authFlight
}

type authFlight struct {
	done  chan struct{}
	token string
	err   error
}

// authRequest is the body of POST /auth. timestamp is sent as a string, as
// GeTui documents it (its Java SDK sends a number; both are taken).
type authRequest struct {
	Sign      string `json:"sign"`
	Timestamp string `json:"timestamp"`
	AppKey    string `json:"appkey"`
}

// authData is the data of a successful /auth answer; expire_time is a
// string of milliseconds since the epoch.
type authData struct {
	ExpireTime string `json:"expire_time"`
	Token      string `json:"token"`
}

// sign computes hex(sha256(appkey + timestamp + mastersecret)).
func sign(appKey, timestamp, masterSecret string) string {
	sum := sha256.Sum256([]byte(appKey + timestamp + masterSecret))
	return hex.EncodeToString(sum[:])
}

// fresh reports whether the cached token may be used at now. The margin is
// capped at half the token's lifetime so a short-lived token is not renewed
// on every call.
func (t *tokenCache) fresh(now time.Time) bool {
	if t.token == "" {
		return false
	}
	margin := refreshMargin
	if life := t.expire.Sub(t.issued); life/2 < margin {
		margin = max(life/2, 0)
	}
	return now.Before(t.expire.Add(-margin))
}

// token returns a usable token, authenticating when none is cached or the
// cached one is close to expiry.
func (c *Client) token(ctx context.Context) (string, error) {
	return c.refreshToken(ctx, "", false)
}

// refreshToken returns the cached token while it is fresh, else
// authenticates or joins the authentication in flight. When stale is not
// empty it is a token a call was refused with: it is dropped, unless
// another caller already replaced it with a fresh one, which is returned
// without a new auth call. force always authenticates (Verify).
func (c *Client) refreshToken(ctx context.Context, stale string, force bool) (string, error) {
	c.tokens.mu.Lock()
	if !force && c.tokens.token != stale && c.tokens.fresh(c.now()) {
		tok := c.tokens.token
		c.tokens.mu.Unlock()
		return tok, nil
	}
	if stale != "" && c.tokens.token == stale {
		c.tokens.token = ""
	}
	f := c.tokens.flight
	if f == nil {
		f = &authFlight{done: make(chan struct{})}
		c.tokens.flight = f
		go c.runAuth(context.WithoutCancel(ctx), f)
	}
	c.tokens.mu.Unlock()

	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", providers.TransportError(ctx, providerName, ctx.Err())
	}
}

// runAuth performs one auth flight and publishes its result.
func (c *Client) runAuth(ctx context.Context, f *authFlight) {
	ctx, cancel := context.WithTimeout(ctx, authTimeout)
	defer cancel()
	tok, issued, expire, err := c.auth(ctx)

	c.tokens.mu.Lock()
	if err == nil {
		c.tokens.token, c.tokens.issued, c.tokens.expire = tok, issued, expire
	}
	c.tokens.flight = nil
	c.tokens.mu.Unlock()

	f.token, f.err = tok, err
	close(f.done)
}

// auth calls POST /auth. Any refusal is Permanent (wrong appkey or sign is a
// configuration error that a retry cannot fix), except the auth rate limit 10003
// and transient failures, which are Retry.
func (c *Client) auth(ctx context.Context) (string, time.Time, time.Time, error) {
	now := c.now()
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	body := authRequest{Sign: sign(c.creds.AppKey, ts, c.creds.MasterSecret), Timestamp: ts, AppKey: c.creds.AppKey}
	var data authData
	err := c.do(ctx, http.MethodPost, "/auth", "", body, &data)
	if err != nil {
		var pe *providers.Error
		if errors.As(err, &pe) && pe.Class == providers.Reauth {
			// 10001 from /auth itself means the credentials were refused.
			pe.Class = providers.Permanent
		}
		c.log.WarnContext(ctx, "getui auth failed", "error", err)
		return "", time.Time{}, time.Time{}, err
	}
	ms, perr := strconv.ParseInt(data.ExpireTime, 10, 64)
	if data.Token == "" || perr != nil {
		return "", time.Time{}, time.Time{}, &providers.Error{Class: providers.Retry, Code: "bad_response",
			Msg: "auth answer without token or expire_time", Err: perr}
	}
	expire := time.UnixMilli(ms)
	c.log.DebugContext(ctx, "getui token issued", "expires", expire)
	return data.Token, now, expire, nil
}
