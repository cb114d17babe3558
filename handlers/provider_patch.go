package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// providerPatch is the body of PATCH /providers/{id}: every field optional.
// Credentials are merged into the stored ones key by key (a null removes
// one); a new base_url needs the secrets again.
type providerPatch struct {
	Name        *string         `json:"name"`
	BaseURL     *string         `json:"base_url"`
	RateLimit   json.RawMessage `json:"rate_limit"`
	Disabled    *bool           `json:"disabled"`
	Credentials json.RawMessage `json:"credentials"`
}

// apiPatchProvider changes an account: 200 with the account, or 422
// naming each bad field; a refused change writes nothing.
func (s *Server) apiPatchProvider(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		apiError(c, http.StatusNotFound, "not_found", "no such resource", nil)
		return
	}
	ctx := c.Request.Context()
	a, err := s.store.ProviderAccountByID(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	var p providerPatch
	if !s.decodeJSON(c, &p) {
		return
	}
	stored, err := s.storedCredentials(a)
	if err != nil && !errors.Is(err, models.ErrUnreadableSecret) {
		s.apiFail(c, err)
		return
	}
	// Credentials sealed with another key are gone: the patch must carry
	// them all, as when the account was created.
	v := &models.ValidationError{}
	d, sent := patchDraft(a, p, stored, v)
	if baseURLMoved(a.BaseURL, d.BaseURL) {
		requireSecretsForMove(s.reg[providers.Kind(a.Kind)], func(name string) bool { return sent[name] }, v)
	}
	if err := s.checkProviderDraft(ctx, a.ID, &d, v); err != nil {
		s.apiFail(c, err)
		return
	}
	if err := v.Err(); err != nil {
		s.apiFail(c, err)
		return
	}
	disabled := a.Disabled
	if p.Disabled != nil {
		disabled = *p.Disabled
	}
	updated, err := s.store.UpdateProviderAccount(ctx, a.ID, models.ProviderInput{Name: d.Name, Kind: a.Kind, BaseURL: d.BaseURL,
		Credentials: compactJSON(d.Credentials), Disabled: disabled, RateLimit: d.rate})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "provider_update", providerTarget(updated), changedFields(a, updated, stored, d.Credentials)) {
		return
	}
	c.JSON(http.StatusOK, s.apiProviderOf(ctx, updated))
}

// storedCredentials opens an account's credentials as an object.
func (s *Server) storedCredentials(a models.ProviderAccount) (map[string]json.RawMessage, error) {
	plain, err := s.store.ProviderCredentials(a)
	if err != nil {
		return nil, err
	}
	var stored map[string]json.RawMessage
	if err := json.Unmarshal(plain, &stored); err != nil {
		return nil, fmt.Errorf("handlers: stored credentials of provider %d: %w", a.ID, err)
	}
	return stored, nil
}

// patchDraft applies a patch to the stored account: the draft to check,
// and which credentials the patch gave a non-empty value.
func patchDraft(a models.ProviderAccount, p providerPatch, stored map[string]json.RawMessage, v *models.ValidationError) (providerDraft, map[string]bool) {
	d := providerDraft{Name: a.Name, Kind: a.Kind, BaseURL: a.BaseURL, RateLimit: json.RawMessage(strconv.FormatFloat(a.RateLimit, 'f', -1, 64))}
	if p.Name != nil {
		d.Name = *p.Name
	}
	if p.BaseURL != nil {
		d.BaseURL = *p.BaseURL
	}
	if p.RateLimit != nil {
		d.RateLimit = p.RateLimit
	}
	creds := make(map[string]json.RawMessage, len(stored))
	for k, val := range stored {
		creds[k] = val
	}
	sent := map[string]bool{}
	if raw := bytes.TrimSpace(p.Credentials); len(raw) > 0 && string(raw) != "null" {
		var given map[string]json.RawMessage
		if err := json.Unmarshal(raw, &given); err != nil || given == nil {
			v.Add("credentials", "err.json_object", nil)
		}
		for k, val := range given {
			if t := string(bytes.TrimSpace(val)); t == "null" {
				delete(creds, k)
				continue
			} else if t != `""` {
				sent[k] = true
			}
			creds[k] = val
		}
	}
	b, err := json.Marshal(creds)
	if err != nil {
		b = []byte(`{}`) // a map of raw JSON values always marshals
	}
	d.Credentials = b
	return d, sent
}

// changedFields names what an edit changed, for the audit log: field
// names only, never a credential's value.
func changedFields(before, after models.ProviderAccount, stored map[string]json.RawMessage, creds json.RawMessage) string {
	var changed []string
	if before.Name != after.Name {
		changed = append(changed, fmt.Sprintf("name %q → %q", before.Name, after.Name))
	}
	if before.BaseURL != after.BaseURL {
		changed = append(changed, fmt.Sprintf("base_url %q → %q", before.BaseURL, after.BaseURL))
	}
	if before.RateLimit != after.RateLimit {
		changed = append(changed, fmt.Sprintf("rate_limit %g → %g", before.RateLimit, after.RateLimit))
	}
	if before.Disabled != after.Disabled {
		changed = append(changed, fmt.Sprintf("disabled %t → %t", before.Disabled, after.Disabled))
	}
	var now map[string]json.RawMessage
	if json.Unmarshal(creds, &now) == nil {
		keys := make([]string, 0, len(now)+len(stored))
		for k := range now {
			keys = append(keys, k)
		}
		for k := range stored {
			if _, ok := now[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if string(now[k]) != string(stored[k]) {
				changed = append(changed, "credentials."+k)
			}
		}
	}
	if len(changed) == 0 {
		return "no changes"
	}
	return "changed " + strings.Join(changed, ", ")
}
