package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/i18n"
)

// parseRate reads an account's rate_limit as the API body or the form gave
// it: absent, null or empty is 0 (adaptive); anything but a JSON number is
// a field error (the range is the store's rule, checked with the rest).
func parseRate(raw json.RawMessage, v *models.ValidationError) float64 {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		v.Add("rate_limit", "rate.err_rate_limit", map[string]any{"Max": models.MaxRateLimit})
		return 0
	}
	return f
}

// formRate turns the form's rate_limit text into what parseRate reads: a
// number when it is one, else the text as a JSON string (so it is refused
// with the same message as in the API).
func formRate(text string) json.RawMessage {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return json.RawMessage(strconv.FormatFloat(f, 'f', -1, 64))
	}
	b, err := json.Marshal(text)
	if err != nil {
		return json.RawMessage(`"?"`) // a string always marshals; never reached
	}
	return b
}

// rateFormText shows a stored rate_limit in the form (empty for adaptive).
func rateFormText(r float64) string {
	if r <= 0 {
		return ""
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// apiProviderOf is the API's view of an account with the rate the engine
// paces it at now.
func (s *Server) apiProviderOf(ctx context.Context, a models.ProviderAccount) apiProvider {
	p := toAPIProvider(a)
	if r, err := s.engine.AccountRate(ctx, a); err == nil {
		rps := math.Round(r.RequestsPerSecond*10) / 10
		p.EffectiveRate = &rps
	} else {
		s.log.Debug("provider rate", slog.Int64("account", a.ID), slog.Any("error", err))
	}
	return p
}

// rateLabel is the providers page's rate column: the learned rate or the
// operator's, per second.
func (s *Server) rateLabel(ctx context.Context, a models.ProviderAccount) string {
	r, err := s.engine.AccountRate(ctx, a)
	if err != nil {
		return i18n.T(ctx, "rate.unknown")
	}
	text := rateText(r.RequestsPerSecond)
	if r.RequestsPerSecond < 100 {
		text = strconv.FormatFloat(math.Round(r.RequestsPerSecond*10)/10, 'f', -1, 64) // 25, not 25.0
	}
	if r.Adaptive {
		return i18n.T(ctx, "rate.learned", map[string]any{"Rate": text})
	}
	return i18n.T(ctx, "rate.fixed", map[string]any{"Rate": text})
}

// providerHost is the host an account's calls go to: its base URL's, or
// the kind's default's.
func (s *Server) providerHost(a models.ProviderAccount) string {
	raw := a.BaseURL
	if raw == "" {
		raw = s.reg[providers.Kind(a.Kind)].DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Host
}

// baseURLMoved reports whether an edit points the account at another
// address.
func baseURLMoved(before, after string) bool {
	norm := func(s string) string { return strings.TrimRight(strings.TrimSpace(s), "/") }
	return norm(before) != norm(after)
}

// requireSecretsForMove refuses an edit that moves the base URL while
// keeping stored secrets: whoever can change the address must also know
// the secrets, or they could have pushdeck send them to a host of their
// choice. given says whether a secret was typed (form) or sent (API) anew.
func requireSecretsForMove(spec providers.Spec, given func(name string) bool, v *models.ValidationError) {
	missing := false
	for _, f := range spec.Fields {
		if f.Secret && !given(f.Name) {
			v.Add("credentials."+f.Name, "rate.err_secret_for_base_url", nil)
			missing = true
		}
	}
	if missing {
		v.Add("credentials", "rate.err_credentials_for_base_url", nil)
	}
}
