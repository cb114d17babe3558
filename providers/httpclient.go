package providers

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// NewHTTPClient returns a client for one account: bounded timeouts, keep-alive
// and connection reuse sized for batched sends. Each provider client owns one;
// none is shared through a package variable.
func NewHTTPClient() *http.Client {
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second, CheckRedirect: noRedirect}
}

// HTTPClient is the client a provider uses: given (a test's client) with
// redirects turned off, or a new one from NewHTTPClient when nil.
func HTTPClient(given *http.Client) *http.Client {
	if given == nil {
		return NewHTTPClient()
	}
	hc := *given // a copy: the caller's client keeps its own policy
	hc.CheckRedirect = noRedirect
	return &hc
}

// noRedirect hands a redirect back to the provider client as the answer
// instead of following it. Provider calls carry secrets (access tokens in
// headers, the corp secret in the query) that Go would forward to wherever
// a base URL's server redirects them; the 3xx is then an error naming the
// status, and the operator fixes the base URL.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// BaseURL validates a base URL (scheme, host, port, optional path prefix)
// and returns it without a trailing slash; an empty value yields def.
// The error is a *ConfigError naming the base_url field.
func BaseURL(raw, def string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = def
	}
	if raw == "" {
		return "", NewConfigError("base_url", "err.required", nil)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", NewConfigError("base_url", "providers.err_base_url", nil)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", NewConfigError("base_url", "providers.err_base_url", nil)
	}
	return strings.TrimRight(raw, "/"), nil
}

// ValidRequestID reports whether id is 10–32 characters of [0-9A-Za-z_-],
// the GeTui rule the engine applies to every provider.
func ValidRequestID(id string) bool {
	if len(id) < 10 || len(id) > 32 {
		return false
	}
	for _, r := range id {
		ok := r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// RetryAfter parses an HTTP Retry-After header given in seconds; zero when
// absent or unparsable.
func RetryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var secs int
	if _, err := fmt.Sscanf(v, "%d", &secs); err != nil || secs < 0 {
		return 0
	}
	return time.Duration(secs) * time.Second
}
