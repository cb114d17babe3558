package fcmfake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// grantType is the JWT-bearer grant a service account uses.
const grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// maxAssertionLife is the longest exp − iat Google accepts.
const maxAssertionLife = time.Hour

// clockSkew is how far iat may be in the future.
const clockSkew = 5 * time.Minute

type jwtHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

type jwtClaims struct {
	Iss   string `json:"iss"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Sub   string `json:"sub,omitempty"`
}

// serveToken is the OAuth2 token endpoint: it verifies the assertion and
// issues an access token of the fake's TTL.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tokenCalls++
	revoked := s.revoked
	s.mu.Unlock()
	if r.Method != http.MethodPost {
		tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "POST required")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		tokenError(w, http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	if r.PostForm.Get("grant_type") != grantType {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+r.PostForm.Get("grant_type"))
		return
	}
	if why := s.checkAssertion(r.PostForm.Get("assertion")); why != "" {
		tokenError(w, http.StatusBadRequest, "invalid_grant", why)
		return
	}
	if revoked {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "Invalid JWT Signature.")
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	tok := "ya29.fake-" + hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = time.Now().Add(s.ttl)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{ // the client may have gone; nothing to do
		"access_token": tok, "expires_in": int(s.ttl / time.Second), "token_type": "Bearer",
	})
}

// checkAssertion verifies the JWT: RS256 signed by the service account's
// key, issued by its client_email for the messaging scope to this token
// endpoint, current and at most an hour long. It returns why not, or "".
func (s *Server) checkAssertion(a string) string {
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return "assertion is not a JWT"
	}
	var h jwtHeader
	var c jwtClaims
	if !decodeSegment(parts[0], &h) || !decodeSegment(parts[1], &c) {
		return "assertion segments are not base64url JSON"
	}
	if h.Alg != "RS256" || h.Typ != "JWT" {
		return "assertion must be an RS256 JWT"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "assertion signature is not base64url"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return "Invalid JWT Signature."
	}
	now := time.Now()
	switch {
	case c.Iss != s.email:
		return "Invalid issuer: " + c.Iss
	case !hasScope(c.Scope, Scope):
		return "Invalid OAuth scope or ID token audience provided."
	case c.Aud != s.URL+PathToken:
		return "Invalid JWT: audience " + c.Aud
	case c.Exp <= now.Unix() || c.Iat > now.Add(clockSkew).Unix():
		return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
	case time.Duration(c.Exp-c.Iat)*time.Second > maxAssertionLife:
		return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
	}
	return ""
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	return err == nil && json.Unmarshal(b, v) == nil
}

func hasScope(scopes, want string) bool {
	for _, sc := range strings.Fields(scopes) {
		if sc == want {
			return true
		}
	}
	return false
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc}) // the client may have gone
}

// checkBearer reports whether the Authorization header carries a token
// this fake issued that has not expired. Called with s.mu held.
func (s *Server) checkBearer(r *http.Request) bool {
	v := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(v, "Bearer ")
	if !ok {
		return false
	}
	exp, ok := s.tokens[tok]
	return ok && time.Now().Before(exp)
}
