package providers

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
)

// Config is what a Factory needs to build one account's client.
type Config struct {
	// BaseURL replaces the protocol's default root (scheme, host, port and an
	// optional path prefix); empty means the default.
	BaseURL string
	// Credentials is the account's decrypted credentials object, whose
	// fields are the kind's (Spec.Fields).
	Credentials json.RawMessage
	// HTTPClient is used when set (tests); otherwise the client builds its
	// own with timeouts and keep-alive.
	HTTPClient *http.Client
	// Logger receives debug logs; nil means slog.Default().
	Logger *slog.Logger
}

// CredentialField describes one credential field, so the console can render
// a form for any kind.
type CredentialField struct {
	Name     string
	Secret   bool
	Required bool
	Integer  bool
	// Multiline is a value of several lines (a JSON key file, a PEM key):
	// the form shows a text area and offers to read it from a file whose
	// name ends in one of Accept (".json", ".p8").
	Multiline bool
	Accept    []string
	// Choices, when set, are the only values the field may take, its
	// default first; the form shows a drop-down.
	Choices []string
}

// ConfigError reports invalid credentials or base URL, one Problem per
// field ("credentials.app_id", "base_url"): a message-catalog id and its
// arguments, so the console says it in the operator's language.
type ConfigError struct {
	Problems []Problem
}

// Add records a problem with field; a field keeps its first problem.
func (e *ConfigError) Add(field, msgID string, args map[string]any) {
	for _, p := range e.Problems {
		if p.Field == field {
			return
		}
	}
	e.Problems = append(e.Problems, Problem{Field: field, MsgID: msgID, Args: args})
}

// Err returns e when it holds a problem, else nil.
func (e *ConfigError) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// Problem returns the problem recorded for field, if any.
func (e *ConfigError) Problem(field string) (Problem, bool) {
	for _, p := range e.Problems {
		if p.Field == field {
			return p, true
		}
	}
	return Problem{}, false
}

// NewConfigError is a ConfigError with one problem.
func NewConfigError(field, msgID string, args map[string]any) *ConfigError {
	e := &ConfigError{}
	e.Add(field, msgID, args)
	return e
}

func (e *ConfigError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, p.Field+": "+p.MsgID)
	}
	return "providers: invalid configuration: " + strings.Join(parts, "; ")
}

// CredentialString reads one required text credential of a credentials
// object: present, a JSON string, not empty once trimmed, at most max
// bytes, and without control characters (credentials travel in request
// headers, where one would split or end the header). Each refusal is
// added to ce under "credentials.<name>"; the trimmed value is returned.
func CredentialString(obj map[string]json.RawMessage, name string, max int, ce *ConfigError) string {
	key := "credentials." + name
	v, ok := obj[name]
	if !ok || string(v) == "null" {
		ce.Add(key, "err.required", nil)
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		ce.Add(key, "err.not_string", nil)
		return ""
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		ce.Add(key, "err.required", nil)
	case len(s) > max:
		ce.Add(key, "err.too_long_bytes", map[string]any{"Max": max})
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		ce.Add(key, "providers.err_control_chars", nil)
	}
	return s
}
