package apnsfake

import (
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxTokenAge is how old a provider token APNs still accepts.
const maxTokenAge = time.Hour

// tokenInfo is a verified provider token: valid, and when it was issued.
type tokenInfo struct {
	ok  bool
	iat time.Time
}

// checkAuth verifies the authorization header as APNs does and returns
// the refusal reason, or "". A token's signature is checked once and the
// verdict kept (verifying ES256 on every request would make the fake, not
// the client, the bottleneck of a benchmark); its age is judged on every
// request by the fake's clock.
func (s *Server) checkAuth(h string) string {
	raw, ok := strings.CutPrefix(h, "bearer ")
	if h == "" || !ok || raw == "" {
		return "MissingProviderToken"
	}
	s.mu.Lock()
	info, known := s.tokens[raw]
	now := s.now()
	s.mu.Unlock()
	if !known {
		info = s.verify(raw)
		s.mu.Lock()
		if _, dup := s.tokens[raw]; !dup && info.ok {
			s.changes = append(s.changes, now)
		}
		s.tokens[raw] = info
		s.mu.Unlock()
	}
	switch {
	case !info.ok:
		return "InvalidProviderToken"
	case now.Sub(info.iat) > maxTokenAge:
		return "ExpiredProviderToken"
	}
	return ""
}

// verify checks the signature (ES256 by the fake's key), the kid header,
// the iss claim (the team) and the presence of iat.
func (s *Server) verify(raw string) tokenInfo {
	var claims jwt.MapClaims
	tok, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		return &s.key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithoutClaimsValidation())
	if err != nil || !tok.Valid || tok.Header["kid"] != KeyID {
		return tokenInfo{}
	}
	if iss, _ := claims["iss"].(string); iss != TeamID {
		return tokenInfo{}
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		return tokenInfo{}
	}
	return tokenInfo{ok: true, iat: iat.Time}
}
