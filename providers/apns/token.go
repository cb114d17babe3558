package apns

import (
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Provider-token ages. APNs refuses a token older than an hour and
// answers 429 TooManyProviderTokenUpdates to a provider that changes its
// token more often than every 20 minutes, so a token is reused until
// tokenRefreshAge (inside that window with room for clock skew) and a
// refused one is replaced at most once per tokenMinAge.
const (
	tokenMinAge     = 20 * time.Minute
	tokenRefreshAge = 45 * time.Minute
)

// tokenCache holds one client's provider token. A mutex, not a read-write
// lock: holding it while signing is what makes one refresh at a time, and
// the signature takes microseconds.
type tokenCache struct {
	mu  sync.Mutex
	tok provToken
	iat time.Time
	// renewedAt is when a refused token was last replaced early.
	renewedAt time.Time
}

// provToken is a signed provider token and its authorization header
// value, built once: every request of the token's hour carries it.
type provToken struct {
	jwt    string
	bearer []string
}

// token returns the cached provider token, signing a new one when there is
// none or it has reached tokenRefreshAge.
func (c *Client) token() (provToken, error) {
	c.tok.mu.Lock()
	defer c.tok.mu.Unlock()
	now := c.now()
	if c.tok.tok.jwt != "" && now.Sub(c.tok.iat) < tokenRefreshAge && !now.Before(c.tok.iat.Add(-time.Minute)) {
		return c.tok.tok, nil
	}
	return c.signLocked(now)
}

// renew replaces a token APNs refused (403 ExpiredProviderToken or
// InvalidProviderToken) and reports whether the caller may try again with
// the token returned. Only the first of the concurrent requests refused
// with the same token signs a new one; the others get it. A second early
// replacement within tokenMinAge is not made: it would be the update rate
// APNs punishes, and a token refused twice in a row is the key's or the
// team's fault, not its age.
func (c *Client) renew(refused string) (provToken, bool, error) {
	c.tok.mu.Lock()
	defer c.tok.mu.Unlock()
	if c.tok.tok.jwt != refused && c.tok.tok.jwt != "" {
		return c.tok.tok, true, nil // another request already replaced it
	}
	now := c.now()
	if !c.tok.renewedAt.IsZero() && now.Sub(c.tok.renewedAt) < tokenMinAge {
		return provToken{}, false, nil
	}
	tok, err := c.signLocked(now)
	if err != nil {
		return provToken{}, false, err
	}
	c.tok.renewedAt = now
	return tok, true, nil
}

// signLocked signs a new ES256 token: header kid, claims iss and iat
// (APNs wants exactly these; an exp would be ignored).
func (c *Client) signLocked(now time.Time) (provToken, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": c.acct.teamID,
		"iat": now.Unix(),
	})
	t.Header["kid"] = c.acct.keyID
	s, err := t.SignedString(c.acct.key)
	if err != nil {
		return provToken{}, fmt.Errorf("apns: sign provider token: %w", err)
	}
	c.tok.tok, c.tok.iat = provToken{jwt: s, bearer: []string{"bearer " + s}}, now
	return c.tok.tok, nil
}
