package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// saveComposerTemplate saves the composer's message, for the chosen
// account's kind, as a template named by the form's template_name. The
// campaign fields (name, audience, schedule) are not part of a template,
// so only the message's problems refuse it; the composer comes back with
// them (422), its values kept.
func (s *Server) saveComposerTemplate(c *gin.Context) {
	ctx := c.Request.Context()
	vals, d, parseErr := draftFromForm(c, false)
	if err := s.formOptions(ctx, vals.Options, &d.Message, d.ProviderID, parseErr); err != nil {
		s.fail(c, err)
		return
	}
	ve := &models.ValidationError{}
	for k, fe := range parseErr.Fields {
		if len(k) > len("message.") && k[:len("message.")] == "message." {
			ve.Add(k, fe.ID, fe.Data)
		}
	}
	var t models.Template
	var err error
	acct, aerr := s.store.ProviderAccountByID(ctx, d.ProviderID)
	switch {
	case errors.Is(aerr, models.ErrNotFound):
		ve.Add("provider_id", "err.provider_unknown", nil)
	case aerr != nil:
		s.fail(c, aerr)
		return
	case ve.Err() == nil:
		t, err = s.engine.CreateTemplate(ctx, dispatch.TemplateDraft{Name: vals.TemplateName, Kind: acct.Kind, Message: d.Message}, actor(c))
	}
	var tve *models.ValidationError
	if errors.As(err, &tve) {
		for k, fe := range tve.Fields {
			if k == "name" {
				k = "template_name"
			}
			ve.Add(k, fe.ID, fe.Data)
		}
		err = nil
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if ve.Err() != nil {
		s.renderComposer(c, http.StatusUnprocessableEntity, 0, vals, ve)
		return
	}
	if !s.audit(c, auditTemplateCreate, "template:"+strconv.FormatInt(t.ID, 10), t.Name) {
		return
	}
	s.flash(c, "success", "templates.flash_saved")
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/templates/%d", t.ID))
}

// templateValues prefills a new campaign's composer from the template
// ?template= names: its message, on the first enabled account of its kind
// (or the ?provider_id= given). A template of no usable kind opens the
// composer as it is, its message filled in.
func (s *Server) templateValues(ctx context.Context, raw, providerID string) (campaigns.FormValues, error) {
	vals := newFormValues()
	vals.ProviderID = providerID
	id, ok := parseID(raw)
	if !ok {
		return vals, models.ErrNotFound
	}
	t, err := s.store.TemplateByID(ctx, id)
	if err != nil {
		return vals, err
	}
	m, err := dispatch.TemplateMessage(t)
	if err != nil {
		return vals, err
	}
	d := draft.Draft{Message: m, Audience: models.Audience{Kind: vals.AudienceKind}}
	if vals.ProviderID == "" {
		as, err := s.store.ListProviderAccounts(ctx)
		if err != nil {
			return vals, err
		}
		for _, a := range as {
			if a.Kind == t.Kind && !a.Disabled {
				d.ProviderID = a.ID
				break
			}
		}
	}
	out := valuesOf(d)
	if d.ProviderID == 0 {
		out.ProviderID = vals.ProviderID
	}
	out.TemplateID = strconv.FormatInt(t.ID, 10)
	out.WeComDupCheck = true
	if out.ClickAction == "" {
		out.ClickAction = vals.ClickAction
	}
	return out, nil
}
