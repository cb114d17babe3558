package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	provpages "github.com/pushdeck/pushdeck/web/pages/providers"
)

// providerRoutes are the provider-account pages and API. Operators see
// accounts and may test a connection; only admins add or change them.
func (s *Server) providerRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/providers", viewer, s.showProviders),
		page(http.MethodGet, "/providers/new", admin, s.showNewProvider),
		page(http.MethodPost, "/providers", admin, s.createProvider),
		page(http.MethodGet, "/providers/:id/edit", admin, s.showEditProvider),
		page(http.MethodPost, "/providers/:id", admin, s.updateProvider),
		page(http.MethodPost, "/providers/:id/disable", admin, s.setProviderDisabled),
		page(http.MethodPost, "/providers/:id/enable", admin, s.setProviderDisabled),
		page(http.MethodPost, "/providers/:id/test", operator, s.testProviderPage),

		api(http.MethodGet, "/providers", viewer, s.apiListProviders),
		api(http.MethodPost, "/providers", admin, s.apiCreateProvider),
		api(http.MethodPatch, "/providers/:id", admin, s.apiPatchProvider),
		api(http.MethodPost, "/providers/:id/test", operator, s.apiTestProvider),
	}
}

func (s *Server) showProviders(c *gin.Context) {
	s.renderProviders(c, http.StatusOK, nil)
}

// renderProviders renders the list, with a connection test's result on
// its row when one just ran.
func (s *Server) renderProviders(c *gin.Context, status int, test *provpages.TestResult) {
	as, err := s.store.ListProviderAccounts(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	retrying, err := s.store.RetryingByAccount(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	var v provpages.ListView
	for _, a := range as {
		r := provpages.Row{ID: a.ID, Name: a.Name, Kind: a.Kind, BaseURL: a.BaseURL, Disabled: a.Disabled,
			LastOK: whenPtr(a.LastOKAt), LastError: a.LastError, LastErrorAt: whenPtr(a.LastErrorAt), Rate: s.rateLabel(c.Request.Context(), a)}
		setHealth(&r, a, retrying[a.ID])
		if test != nil && test.ID == a.ID {
			r.Test = test
		}
		v.Rows = append(v.Rows, r)
	}
	s.render(c, status, provpages.List(v))
}

// providerKinds lists the registry's kinds, the real providers first and
// the simulated ones last, each part by name.
func (s *Server) providerKinds() []string {
	kinds := make([]string, 0, len(s.reg))
	for k := range s.reg {
		kinds = append(kinds, string(k))
	}
	simulated := func(k string) bool {
		caps, _ := s.reg.Capabilities(providers.Kind(k))
		return caps.Simulated
	}
	slices.SortFunc(kinds, func(a, b string) int {
		if sa, sb := simulated(a), simulated(b); sa != sb {
			if sa {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	return kinds
}

// providerForm is an empty form for kind, its fields from the kind's Spec.
func (s *Server) providerForm(ctx context.Context, kind string) provpages.FormView {
	v := provpages.FormView{Kind: kind, Errors: web.Errors{}}
	for _, k := range s.providerKinds() {
		v.Kinds = append(v.Kinds, web.Option{Value: k, Label: i18n.T(ctx, "kind."+k)})
	}
	spec := s.reg[providers.Kind(kind)]
	v.BaseURLRequired, v.DefaultBaseURL = spec.BaseURLRequired, spec.DefaultBaseURL
	for _, f := range spec.Fields {
		v.Fields = append(v.Fields, provpages.CredField{Name: f.Name, Secret: f.Secret, Required: f.Required, Integer: f.Integer,
			Multiline: f.Multiline, Accept: f.Accept, Choices: f.Choices})
	}
	return v
}

// chosenKind is kind when the registry knows it, else the first offered.
func (s *Server) chosenKind(kind string) string {
	if _, ok := s.reg[providers.Kind(kind)]; ok {
		return kind
	}
	if ks := s.providerKinds(); len(ks) > 0 {
		return ks[0]
	}
	return ""
}

// showNewProvider is the add form; ?kind= picks the kind (the kind select
// asks for it with htmx and gets just the form back).
func (s *Server) showNewProvider(c *gin.Context) {
	v := s.providerForm(c.Request.Context(), s.chosenKind(c.Query("kind")))
	v.Name, v.BaseURL = c.Query("name"), c.Query("base_url")
	if isPartial(c) {
		s.render(c, http.StatusOK, provpages.FormBody(v))
		return
	}
	s.render(c, http.StatusOK, provpages.Form(v))
}

// providerFromForm reads the posted fields into a draft of kind, starting
// from the stored credentials (nil when adding) so a secret left blank
// keeps its stored value. It fills the view with what was typed, never
// with a secret.
func providerFromForm(c *gin.Context, kind string, spec providers.Spec, stored map[string]json.RawMessage, v *provpages.FormView, ve *models.ValidationError) (providerDraft, error) {
	d := providerDraft{Name: c.PostForm("name"), Kind: kind, BaseURL: strings.TrimSpace(c.PostForm("base_url")), RateLimit: formRate(c.PostForm("rate_limit"))}
	v.Name, v.BaseURL, v.RateLimit = d.Name, d.BaseURL, strings.TrimSpace(c.PostForm("rate_limit"))
	creds := make(map[string]json.RawMessage, len(stored))
	for k, val := range stored {
		creds[k] = val
	}
	for i, f := range spec.Fields {
		key := "credentials." + f.Name
		raw := strings.TrimSpace(c.PostForm(key))
		if f.Multiline {
			raw = multilineValue(c, f, ve)
		}
		if len(f.Choices) > 0 && raw != "" && !slices.Contains(f.Choices, raw) {
			ve.Add(key, "err.choice", nil)
		}
		if f.Secret {
			v.Fields[i].Retype = raw != ""
		} else {
			v.Fields[i].Value = raw
		}
		switch {
		case raw == "" && f.Secret && v.Fields[i].Stored:
			// Kept: the stored value is already in creds.
		case raw == "":
			delete(creds, f.Name)
		case f.Integer:
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				ve.Add(key, "err.integer", nil)
				delete(creds, f.Name)
				continue
			}
			creds[f.Name] = json.RawMessage(strconv.FormatInt(n, 10))
		default:
			b, err := json.Marshal(raw)
			if err != nil {
				return d, fmt.Errorf("handlers: encode credential %s: %w", f.Name, err)
			}
			creds[f.Name] = b
		}
	}
	b, err := json.Marshal(creds)
	if err != nil {
		return d, fmt.Errorf("handlers: encode credentials: %w", err)
	}
	d.Credentials = b
	return d, nil
}

func (s *Server) createProvider(c *gin.Context) {
	ctx := c.Request.Context()
	kind := strings.TrimSpace(c.PostForm("kind"))
	v := s.providerForm(ctx, s.chosenKind(kind))
	ve := &models.ValidationError{}
	d, err := providerFromForm(c, kind, s.reg[providers.Kind(v.Kind)], nil, &v, ve)
	if err == nil {
		err = s.checkProviderDraft(ctx, 0, &d, ve)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	var a models.ProviderAccount
	if ve.Err() == nil {
		a, err = s.store.CreateProviderAccount(ctx, models.ProviderInput{Name: d.Name, Kind: d.Kind, BaseURL: d.BaseURL,
			Credentials: compactJSON(d.Credentials), RateLimit: d.rate})
	}
	if errors.As(err, &ve) || ve.Err() != nil {
		v.Errors = fieldErrors(c, ve)
		s.render(c, http.StatusUnprocessableEntity, provpages.Form(v))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "provider_create", providerTarget(a), providerSummary(a)) {
		return
	}
	s.flash(c, "success", "flash.provider_created")
	s.redirect(c, "/providers")
}

// loadProvider reads :id and the account, answering 404 itself.
func (s *Server) loadProvider(c *gin.Context) (models.ProviderAccount, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return models.ProviderAccount{}, false
	}
	a, err := s.store.ProviderAccountByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return a, false
	}
	return a, true
}

// editForm is the edit form of an account with its stored credentials:
// non-secret values shown, secrets only marked as stored.
func (s *Server) editForm(c *gin.Context, a models.ProviderAccount) (provpages.FormView, map[string]json.RawMessage, error) {
	stored, err := s.storedCredentials(a)
	unreadable := errors.Is(err, models.ErrUnreadableSecret)
	if err != nil && !unreadable {
		return provpages.FormView{}, nil, err
	}
	v := s.providerForm(c.Request.Context(), a.Kind)
	// Sealed with another key: nothing is kept, so every field must be
	// typed again.
	v.Unreadable = unreadable
	v.ID, v.Account, v.Name, v.BaseURL, v.RateLimit = a.ID, a.Name, a.Name, a.BaseURL, rateFormText(a.RateLimit)
	for i, f := range v.Fields {
		val, ok := stored[f.Name]
		switch {
		case !ok:
		case f.Secret:
			v.Fields[i].Stored = string(val) != `""` && string(val) != "null"
		default:
			var str string
			if json.Unmarshal(val, &str) == nil {
				v.Fields[i].Value = str
			} else {
				v.Fields[i].Value = string(val) // a number, e.g. agent_id
			}
		}
	}
	return v, stored, nil
}

func (s *Server) showEditProvider(c *gin.Context) {
	a, ok := s.loadProvider(c)
	if !ok {
		return
	}
	v, _, err := s.editForm(c, a)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Quiet = quietSection(a, a.QuietStart, a.QuietEnd, nil)
	s.render(c, http.StatusOK, provpages.Form(v))
}

// updateProvider saves the edit form. The kind never changes; blank
// secrets keep the stored ones, unless the base URL changes (then every
// secret must be typed again); the merged credentials are validated by
// building the client, exactly as on add.
func (s *Server) updateProvider(c *gin.Context) {
	a, ok := s.loadProvider(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	v, stored, err := s.editForm(c, a)
	if err != nil {
		s.fail(c, err)
		return
	}
	ve := &models.ValidationError{}
	spec := s.reg[providers.Kind(a.Kind)]
	d, err := providerFromForm(c, a.Kind, spec, stored, &v, ve)
	if err == nil && baseURLMoved(a.BaseURL, d.BaseURL) {
		requireSecretsForMove(spec, func(name string) bool { return secretSent(c, name) }, ve)
	}
	if err == nil {
		err = s.checkProviderDraft(ctx, a.ID, &d, ve)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	var updated models.ProviderAccount
	if ve.Err() == nil {
		updated, err = s.store.UpdateProviderAccount(ctx, a.ID, models.ProviderInput{Name: d.Name, Kind: a.Kind, BaseURL: d.BaseURL,
			Credentials: compactJSON(d.Credentials), Disabled: a.Disabled, RateLimit: d.rate})
	}
	if errors.As(err, &ve) || ve.Err() != nil {
		v.Errors = fieldErrors(c, ve)
		s.render(c, http.StatusUnprocessableEntity, provpages.Form(v))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "provider_update", providerTarget(updated), changedFields(a, updated, stored, d.Credentials)) {
		return
	}
	s.flash(c, "success", "flash.provider_saved")
	s.redirect(c, "/providers")
}

// setProviderDisabled disables or enables an account (the path's last
// segment says which).
func (s *Server) setProviderDisabled(c *gin.Context) {
	a, ok := s.loadProvider(c)
	if !ok {
		return
	}
	action := path.Base(c.Request.URL.Path)
	disable := action == "disable"
	a, err := s.store.SetProviderDisabled(c.Request.Context(), a.ID, disable)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "provider_"+action, providerTarget(a), providerSummary(a)) {
		return
	}
	s.flash(c, "success", "flash.provider_"+action+"d")
	s.redirect(c, "/providers")
}

// testProviderPage runs "Test connection": the htmx partial is the inline
// result; without htmx the whole list comes back with the result on the
// account's row (422 when the provider refused).
func (s *Server) testProviderPage(c *gin.Context) {
	a, ok := s.loadProvider(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	f, ok := s.verifyProvider(ctx, a)
	t := provpages.TestResult{ID: a.ID, OK: ok, Message: f.Detail, Internal: f.Internal, Host: s.providerHost(a)}
	if !ok {
		t.Failure = failureText(ctx, f)
	}
	if isPartial(c) {
		// htmx swaps 2xx answers only; the refusal is the content.
		s.render(c, http.StatusOK, provpages.TestOutcome(t))
		return
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusUnprocessableEntity
	}
	s.renderProviders(c, status, &t)
}
