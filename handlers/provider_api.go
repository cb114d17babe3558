package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// verifyTimeout bounds a connection test, so the button answers in
// reasonable time even when the provider does not.
const verifyTimeout = 20 * time.Second

// internalTestMessage is a failed test's message when the cause is not the
// provider's answer; the detail is in the server log.
const internalTestMessage = "internal error: see the server log"

// apiProvider is a provider account as the API shows it: never credentials.
type apiProvider struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Kind      string  `json:"kind"`
	BaseURL   string  `json:"base_url"`
	Disabled  bool    `json:"disabled"`
	LastOKAt  *string `json:"last_ok_at"`
	LastError string  `json:"last_error"`
	// LastErrorAt is when LastError happened (null before any error).
	LastErrorAt *string `json:"last_error_at"`
	// RateLimit is the operator's rate (requests/s), 0 when it is learned;
	// EffectiveRate is the rate the engine sends at now (null when the
	// account's client cannot be built).
	RateLimit     float64  `json:"rate_limit"`
	EffectiveRate *float64 `json:"effective_rate"`
	CreatedAt     string   `json:"created_at"`
}

func toAPIProvider(a models.ProviderAccount) apiProvider {
	p := apiProvider{ID: a.ID, Name: a.Name, Kind: a.Kind, BaseURL: a.BaseURL, Disabled: a.Disabled, LastError: a.LastError,
		RateLimit: a.RateLimit, CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339)}
	if a.LastOKAt != nil {
		t := a.LastOKAt.UTC().Format(time.RFC3339)
		p.LastOKAt = &t
	}
	if a.LastErrorAt != nil {
		t := a.LastErrorAt.UTC().Format(time.RFC3339)
		p.LastErrorAt = &t
	}
	return p
}

func (s *Server) apiListProviders(c *gin.Context) {
	as, err := s.store.ListProviderAccounts(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	items := make([]apiProvider, 0, len(as))
	for _, a := range as {
		items = append(items, s.apiProviderOf(c.Request.Context(), a))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": nil})
}

// providerDraft is an account as the API body or the form gives it.
type providerDraft struct {
	Name        string          `json:"name"`
	Kind        string          `json:"kind"`
	BaseURL     string          `json:"base_url"`
	Credentials json.RawMessage `json:"credentials"`
	// RateLimit is kept as given so that a string or an object is a field
	// error, not a malformed body; checkProviderDraft reads it into rate.
	RateLimit json.RawMessage `json:"rate_limit"`
	rate      float64
}

// checkProviderDraft validates a draft completely: the store's rules (name,
// kind), the credential fields the kind's Spec declares, and finally the
// registry's own factory, which is what will build the client. Every
// problem lands in v under the contract's field names (name, kind,
// base_url, credentials.<field>); the first reason per field wins. The
// error is for a store or factory failure that is not about the input.
// self is the account being edited (0 when adding).
func (s *Server) checkProviderDraft(ctx context.Context, self int64, d *providerDraft, v *models.ValidationError) error {
	d.Name, d.Kind, d.BaseURL = strings.TrimSpace(d.Name), strings.TrimSpace(d.Kind), strings.TrimSpace(d.BaseURL)
	d.rate = parseRate(d.RateLimit, v)
	in := models.ProviderInput{Name: d.Name, Kind: d.Kind, BaseURL: d.BaseURL, RateLimit: d.rate}
	if ve, ok := in.Validate().(*models.ValidationError); ok {
		for k, fe := range ve.Fields {
			v.Add(k, fe.ID, fe.Data)
		}
	}
	if d.Name != "" {
		taken, err := s.store.ProviderNameTaken(ctx, d.Name, self)
		if err != nil {
			return err
		}
		if taken {
			v.Add("name", "err.name_taken", nil)
		}
	}
	spec, ok := s.reg[providers.Kind(d.Kind)]
	if !ok {
		v.Add("kind", "err.choice", nil)
		return nil
	}
	if len(bytes.TrimSpace(d.Credentials)) == 0 || bytes.Equal(bytes.TrimSpace(d.Credentials), []byte("null")) {
		d.Credentials = json.RawMessage(`{}`)
	}
	checkBaseURL(d.BaseURL, spec, v)
	checkCredentialFields(d.Credentials, spec, v)
	_, err := s.reg.Build(spec.Kind, providers.Config{BaseURL: d.BaseURL, Credentials: d.Credentials, Logger: s.log})
	var ce *providers.ConfigError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			v.Add(p.Field, p.MsgID, p.Args)
		}
		return nil
	}
	return err
}

// checkBaseURL applies the contract's base URL rule: scheme, host, port and
// an optional path prefix; required where the kind has no default.
func checkBaseURL(raw string, spec providers.Spec, v *models.ValidationError) {
	if raw == "" {
		if spec.BaseURLRequired {
			v.Add("base_url", "err.required", nil)
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		v.Add("base_url", "providers.err_base_url", nil)
	}
}

// checkCredentialFields checks the credentials object against the kind's
// declared fields: required ones present and non-blank, integers integral,
// strings strings, and no field the kind does not know (a typo in a
// secret's name would otherwise be stored and ignored). Kinds that declare
// no fields (the sandbox) validate their own options in their factory.
func checkCredentialFields(raw json.RawMessage, spec providers.Spec, v *models.ValidationError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		v.Add("credentials", "err.json_object", nil)
		return
	}
	if len(spec.Fields) == 0 {
		return
	}
	known := map[string]bool{}
	for _, f := range spec.Fields {
		known[f.Name] = true
		key := "credentials." + f.Name
		val, ok := obj[f.Name]
		if !ok || string(bytes.TrimSpace(val)) == "null" {
			if f.Required {
				v.Add(key, "err.required", nil)
			}
			continue
		}
		if f.Integer {
			var n json.Number
			dec := json.NewDecoder(bytes.NewReader(val))
			dec.UseNumber()
			if err := dec.Decode(&n); err != nil || strings.ContainsAny(n.String(), ".eE") {
				v.Add(key, "err.integer", nil)
			}
			continue
		}
		var str string
		if err := json.Unmarshal(val, &str); err != nil {
			v.Add(key, "providers.err_string", nil)
		} else if f.Required && strings.TrimSpace(str) == "" {
			v.Add(key, "err.required", nil)
		} else if len(f.Choices) > 0 && str != "" && !slices.Contains(f.Choices, str) {
			v.Add(key, "err.choice", nil)
		}
	}
	for k := range obj {
		if !known[k] {
			v.Add("credentials."+k, "providers.err_unknown_credential", nil)
		}
	}
}

// apiCreateProvider adds an account: 201 with the account (never its
// credentials), or 422 naming each bad field.
func (s *Server) apiCreateProvider(c *gin.Context) {
	var d providerDraft
	if !s.decodeJSON(c, &d) {
		return
	}
	v := &models.ValidationError{}
	if err := s.checkProviderDraft(c.Request.Context(), 0, &d, v); err != nil {
		s.apiFail(c, err)
		return
	}
	if err := v.Err(); err != nil {
		s.apiFail(c, err)
		return
	}
	a, err := s.store.CreateProviderAccount(c.Request.Context(), models.ProviderInput{Name: d.Name, Kind: d.Kind, BaseURL: d.BaseURL,
		Credentials: compactJSON(d.Credentials), RateLimit: d.rate})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "provider_create", providerTarget(a), providerSummary(a)) {
		return
	}
	c.JSON(http.StatusCreated, s.apiProviderOf(c.Request.Context(), a))
}

// apiTestProvider proves an account's credentials with a real call:
// 200 {ok: true, host}, or 422 provider_auth_failed with the provider's own
// code and message and the host that was called.
func (s *Server) apiTestProvider(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		apiError(c, http.StatusNotFound, "not_found", "no such resource", nil)
		return
	}
	acct, err := s.store.ProviderAccountByID(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	host := s.providerHost(acct)
	if f, ok := s.verifyProvider(c.Request.Context(), acct); !ok {
		msg := f.Detail
		if f.Internal {
			msg = internalTestMessage
		}
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": "provider_auth_failed", "message": msg, "host": host}})
		return
	}
	c.JSON(http.StatusOK, gin.H{"ok": true, "host": host})
}

// verifyProvider proves an account's credentials with a real call, within
// verifyTimeout (the engine records the outcome as the account's health),
// and says what went wrong when it failed.
func (s *Server) verifyProvider(ctx context.Context, acct models.ProviderAccount) (dispatch.Failure, bool) {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	if err := s.engine.VerifyAccount(ctx, acct); err != nil {
		return dispatch.FailureOf(err), false
	}
	return dispatch.Failure{}, true
}

// compactJSON stores credentials without insignificant whitespace; input
// already validated as an object always compacts.
func compactJSON(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	return buf.Bytes()
}

func providerTarget(a models.ProviderAccount) string { return fmt.Sprintf("provider:%d", a.ID) }

// providerSummary describes an account for the audit log: never credentials.
func providerSummary(a models.ProviderAccount) string {
	s := fmt.Sprintf("name=%q kind=%s", a.Name, a.Kind)
	if a.BaseURL != "" {
		s += " base_url=" + a.BaseURL
	}
	if a.RateLimit > 0 {
		s += " rate_limit=" + strconv.FormatFloat(a.RateLimit, 'f', -1, 64)
	}
	return s
}
