package fcm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"golang.org/x/oauth2/jwt"

	"github.com/pushdeck/pushdeck/providers"
)

// Scope is the OAuth2 scope FCM HTTP v1 requires.
const Scope = "https://www.googleapis.com/auth/firebase.messaging"

// tokens is one account's access token: a JWT assertion signed with the
// service account's key is exchanged at the file's token_uri, and the
// oauth2 library caches the answer and fetches a new one before it expires
// (one fetch at a time). It belongs to one Client, never to the package.
type tokens struct {
	cfg *jwt.Config
	// ctx carries the account's HTTP client to the library; it is not a
	// caller's context, because a token outlives the call that fetched it.
	ctx context.Context

	mu  sync.Mutex
	src oauth2.TokenSource
	gen int
}

func newTokens(keyFile []byte, hc *http.Client) (*tokens, error) {
	cfg, err := google.JWTConfigFromJSON(keyFile, Scope)
	if err != nil {
		return nil, fmt.Errorf("fcm: service account: %w", err)
	}
	t := &tokens{cfg: cfg, ctx: context.WithValue(context.Background(), oauth2.HTTPClient, hc)}
	t.src = cfg.TokenSource(t.ctx)
	return t, nil
}

// token returns a valid access token and the generation of the source that
// gave it, for refused.
func (t *tokens) token() (string, int, error) {
	t.mu.Lock()
	src, gen := t.src, t.gen
	t.mu.Unlock()
	tok, err := src.Token()
	if err != nil {
		return "", gen, tokenError(err)
	}
	return tok.AccessToken, gen, nil
}

// refused drops the cached token after FCM answered 401 to it: the next
// token() fetches a new one. Many requests refused together replace the
// source once, since they carry the same generation.
func (t *tokens) refused(gen int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if gen == t.gen {
		t.src = t.cfg.TokenSource(t.ctx)
		t.gen++
	}
}

// tokenError classifies a failed token exchange: the token endpoint
// refusing the assertion (invalid_grant: a deleted or disabled key, a
// wrong client_email) is Permanent, since every retry signs the same way;
// its 5xx, 429 and transport failures are Retry. The error carries the
// endpoint's code and description, never the assertion.
func tokenError(err error) *providers.Error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return &providers.Error{Class: providers.Retry, Code: codeTokenTransport, Msg: "the token request failed", Err: err}
	}
	code, msg := re.ErrorCode, re.ErrorDescription
	if code == "" {
		// The JWT flow does not parse the endpoint's answer: read
		// {"error", "error_description"} here.
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(re.Body, &body) == nil {
			code, msg = body.Error, body.Description
		}
	}
	if code == "" {
		code = "token_refused"
		if re.Response != nil {
			code = fmt.Sprintf("token_http_%d", re.Response.StatusCode)
		}
	}
	if msg == "" {
		msg = "the token endpoint refused the service account's assertion"
	}
	e := &providers.Error{Class: providers.Permanent, Code: code, Msg: msg}
	if re.Response != nil && (re.Response.StatusCode >= 500 || re.Response.StatusCode == http.StatusTooManyRequests) {
		e.Class, e.RetryAfter = providers.Retry, providers.RetryAfter(re.Response.Header)
	}
	return e
}
