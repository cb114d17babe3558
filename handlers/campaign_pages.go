package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
	"github.com/pushdeck/pushdeck/web/pages/recurring"
)

func (s *Server) showCampaigns(c *gin.Context) {
	ctx := c.Request.Context()
	f := models.CampaignFilter{Status: models.Status(c.Query("status")), Limit: 50}
	if !f.Status.Valid() {
		f.Status = ""
	}
	f.After, _ = strconv.ParseInt(c.Query("after"), 10, 64)
	rows, next, err := s.campaignRows(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := campaigns.ListView{Rows: rows, Status: string(f.Status)}
	if f.Status == "" && f.After == 0 {
		sec, err := s.recurringSection(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Recurring = recurring.Section(sec)
	}
	if f.Status != "" {
		v.Empty = i18n.T(ctx, "campaigns.empty_status", map[string]any{"Status": i18n.T(ctx, "status."+string(f.Status))})
	}
	for _, st := range models.Statuses {
		v.Statuses = append(v.Statuses, web.Option{Value: string(st), Label: i18n.T(ctx, "status."+string(st))})
	}
	if next > 0 {
		q := url.Values{"after": {strconv.FormatInt(next, 10)}}
		if f.Status != "" {
			q.Set("status", string(f.Status))
		}
		v.NextURL = "/campaigns?" + q.Encode()
	}
	s.render(c, http.StatusOK, campaigns.List(v))
}

// campaignRows builds list rows with provider names and report figures.
func (s *Server) campaignRows(ctx context.Context, f models.CampaignFilter) ([]campaigns.Row, int64, error) {
	cs, next, err := s.store.ListCampaigns(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	names, err := s.providerNames(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows := make([]campaigns.Row, 0, len(cs))
	for _, cm := range cs {
		r := campaigns.Row{ID: cm.ID, URL: fmt.Sprintf("/campaigns/%d", cm.ID), Name: cm.Name, Status: string(cm.Status),
			Provider: names[cm.ProviderID], Created: when(cm.CreatedAt), Recipients: num(cm.Recipients), Received: "—", ClickRate: "—",
			NoneAccepted: noneAccepted(cm), AB: abState(cm)}
		if fig, err := s.engine.CampaignFigures(ctx, cm.ID); err == nil && fig.Polled {
			r.Received = num(fig.Total.Received)
			r.ClickRate = pct(fig.Total.Clicked, fig.Total.Displayed)
			if cm.Recipients == 0 {
				r.Recipients = num(fig.Total.Target)
			}
		}
		rows = append(rows, r)
	}
	return rows, next, nil
}

func (s *Server) providerNames(ctx context.Context) (map[int64]string, error) {
	as, err := s.store.ListProviderAccounts(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(as))
	for _, a := range as {
		m[a.ID] = a.Name
	}
	return m, nil
}

// campaignRoutes are the composer's and the follow-up actions' routes
// (the list, detail and lifecycle routes are in coreRoutes).
func (s *Server) campaignRoutes() []Route {
	return []Route{
		page(http.MethodPost, "/campaigns/preview", operator, s.previewCampaign),
		page(http.MethodGet, "/campaigns/:id/edit", operator, s.showEditCampaign),
		page(http.MethodPost, "/campaigns/:id", operator, s.updateCampaign),
		page(http.MethodPost, "/campaigns/:id/duplicate", operator, s.duplicateCampaign),
		page(http.MethodPost, "/campaigns/:id/resend-failed", operator, s.resendFailedPage),

		api(http.MethodPatch, "/campaigns/:id", operator, s.apiUpdateCampaign),
		api(http.MethodPost, "/campaigns/:id/duplicate", operator, s.apiDuplicateCampaign),
		api(http.MethodPost, "/campaigns/:id/resend-failed", operator, s.apiResendFailed),
	}
}

func (s *Server) showNewCampaign(c *gin.Context) {
	vals := newFormValues()
	vals.ProviderID = c.Query("provider_id")
	if raw := c.Query("template"); raw != "" {
		var err error
		if vals, err = s.templateValues(c.Request.Context(), raw, vals.ProviderID); err != nil {
			s.fail(c, err)
			return
		}
		vals.AB = campaigns.DefaultABValues(vals.MessageValues)
	}
	s.renderComposer(c, http.StatusOK, 0, vals, nil)
}

// validatedForm reads the composer and validates it without saving. A
// form whose fields all parse is only checked by the save itself.
//
// stored is the draft's audience when it is a stored list too long for the
// text box: with the same kind and no values typed or uploaded, the draft
// keeps it.
func (s *Server) validatedForm(c *gin.Context, stored *models.Audience) (campaigns.FormValues, draft.Draft, *models.ValidationError, error) {
	vals, d, parseErr := draftFromForm(c, true)
	if err := s.formOptions(c.Request.Context(), vals.Options, &d.Message, d.ProviderID, parseErr); err != nil {
		return vals, d, nil, err
	}
	abDraft(vals.AB, &d, parseErr)
	if stored != nil && stored.Stored != nil {
		vals.StoredCount = stored.Count
		if d.Audience.Kind == stored.Kind && len(d.Audience.Values) == 0 {
			d.Audience = *stored
		}
	}
	if parseErr.Err() == nil {
		return vals, d, nil, nil
	}
	check := d
	err := s.engine.ValidateDraft(c.Request.Context(), &check)
	var ve *models.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return vals, d, nil, err
	}
	if ve != nil {
		for k, fe := range ve.Fields {
			parseErr.Add(k, fe.ID, fe.Data)
		}
	}
	return vals, d, parseErr, nil
}

// saveCampaign creates a draft from the composer.
func (s *Server) saveCampaign(c *gin.Context) {
	if s.abRerender(c, 0) {
		return
	}
	vals, d, bad, err := s.validatedForm(c, nil)
	if err == nil && bad == nil {
		var cm models.Campaign
		cm, _, err = s.engine.CreateCampaign(c.Request.Context(), d, actor(c), models.Idempotency{})
		if err == nil {
			if !s.audit(c, "campaign_create", fmt.Sprintf("campaign:%d", cm.ID), cm.Name) {
				return
			}
			s.flash(c, "success", "flash.campaign_saved")
			c.Redirect(http.StatusSeeOther, fmt.Sprintf("/campaigns/%d", cm.ID))
			return
		}
	}
	if errors.As(err, &bad) || bad != nil {
		s.renderComposer(c, http.StatusUnprocessableEntity, 0, vals, bad)
		return
	}
	s.fail(c, err)
}

// showEditCampaign opens a draft in the composer.
func (s *Server) showEditCampaign(c *gin.Context) {
	cm, ok := s.loadCampaign(c)
	if !ok {
		return
	}
	if cm.Status != models.StatusDraft {
		s.flash(c, "error", "flash.not_draft")
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("/campaigns/%d", cm.ID))
		return
	}
	d, err := draft.Of(cm)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderComposer(c, http.StatusOK, cm.ID, valuesOf(d), nil)
}

// updateCampaign saves the composer over a draft.
func (s *Server) updateCampaign(c *gin.Context) {
	cm, ok := s.loadCampaign(c)
	if !ok || s.abRerender(c, cm.ID) {
		return
	}
	vals, d, bad, err := s.validatedForm(c, &cm.Audience)
	if err == nil && bad == nil {
		_, err = s.engine.UpdateDraft(c.Request.Context(), cm.ID, d)
		if err == nil {
			if !s.audit(c, "campaign_update", fmt.Sprintf("campaign:%d", cm.ID), d.Name) {
				return
			}
			s.flash(c, "success", "flash.campaign_updated")
			c.Redirect(http.StatusSeeOther, fmt.Sprintf("/campaigns/%d", cm.ID))
			return
		}
	}
	switch {
	case errors.As(err, &bad) || bad != nil:
		s.renderComposer(c, http.StatusUnprocessableEntity, cm.ID, vals, bad)
	case errors.Is(err, models.ErrConflict):
		s.flash(c, "error", "flash.not_draft")
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("/campaigns/%d", cm.ID))
	default:
		s.fail(c, err)
	}
}

// duplicateCampaign copies a campaign into a new draft and opens it. When
// the copy no longer validates (a disabled account, a deleted segment), the
// composer shows the copy with its errors instead.
func (s *Server) duplicateCampaign(c *gin.Context) {
	cm, ok := s.loadCampaign(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	name := i18n.T(ctx, "campaigns.copy_of", map[string]any{"Name": cm.Name})
	out, err := s.engine.DuplicateCampaign(ctx, cm.ID, name, actor(c))
	var ve *models.ValidationError
	switch {
	case err == nil:
		if !s.audit(c, "campaign_duplicate", fmt.Sprintf("campaign:%d", out.ID), fmt.Sprintf("from campaign:%d", cm.ID)) {
			return
		}
		s.flash(c, "success", "flash.campaign_duplicated")
		s.redirect(c, fmt.Sprintf("/campaigns/%d/edit", out.ID))
	case errors.As(err, &ve):
		d, derr := draft.Of(cm)
		if derr != nil {
			s.fail(c, derr)
			return
		}
		d.Name, d.ScheduleAt = name, nil
		s.renderComposer(c, http.StatusUnprocessableEntity, 0, valuesOf(d), ve)
	default:
		s.fail(c, err)
	}
}

// resendFailedPage creates the follow-up draft for the recipients that
// ended failed, or (recipients=unsent) those a cancel left unsent.
func (s *Server) resendFailedPage(c *gin.Context) {
	cm, ok := s.loadCampaign(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	resend, nameID, which := s.engine.ResendFailed, "campaigns.resend_of", "failed"
	if c.PostForm("recipients") == "unsent" {
		resend, nameID, which = s.engine.ResendUnsent, "campaigns.resend_unsent_of", "unsent"
	}
	out, err := resend(ctx, cm.ID, i18n.T(ctx, nameID, map[string]any{"Name": cm.Name}), actor(c))
	var ve *models.ValidationError
	switch {
	case err == nil:
		if !s.audit(c, "campaign_resend_failed", fmt.Sprintf("campaign:%d", out.ID), fmt.Sprintf("from campaign:%d, %d %s recipients", cm.ID, out.Audience.Count, which)) {
			return
		}
		s.flash(c, "success", "flash.resend_created")
		s.redirect(c, fmt.Sprintf("/campaigns/%d", out.ID))
		return
	case errors.Is(err, dispatch.ErrNotFinished):
		s.flash(c, "error", "flash.not_finished")
	case errors.Is(err, dispatch.ErrNoFailed):
		s.flash(c, "error", "flash.no_failed")
	case errors.As(err, &ve):
		s.flash(c, "error", "flash.resend_invalid")
	default:
		s.fail(c, err)
		return
	}
	s.redirect(c, fmt.Sprintf("/campaigns/%d", cm.ID))
}

// previewCampaign is the htmx partial of the composer's device preview.
func (s *Server) previewCampaign(c *gin.Context) {
	ctx := c.Request.Context()
	_, d, _ := draftFromForm(c, false) // unparsable fields are simply not previewed
	kind := ""
	if acct, err := s.store.ProviderAccountByID(ctx, d.ProviderID); err == nil {
		kind = acct.Kind
	} else if !errors.Is(err, models.ErrNotFound) {
		s.fail(c, err)
		return
	}
	msg, pz, err := s.personalPanel(ctx, d, c.PostForm("preview_cid"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, campaigns.PreviewPersonal(previewOf(ctx, kind, msg), pz))
}
