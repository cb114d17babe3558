package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
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
			Provider: names[cm.ProviderID], Created: when(cm.CreatedAt), Recipients: num(cm.Recipients), Received: "—", ClickRate: "—"}
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

func (s *Server) showNewCampaign(c *gin.Context) {
	vals := campaigns.FormValues{AudienceKind: "all", Type: "notification", ClickAction: "startapp"}
	v, err := s.campaignForm(c, vals, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, campaigns.Form(v))
}

func (s *Server) campaignForm(c *gin.Context, vals campaigns.FormValues, errs web.Errors) (campaigns.FormView, error) {
	ctx := c.Request.Context()
	as, err := s.store.ListProviderAccounts(ctx)
	if err != nil {
		return campaigns.FormView{}, err
	}
	v := campaigns.FormView{Values: vals, Errors: errs}
	for _, a := range as {
		if a.Disabled {
			continue
		}
		v.Providers = append(v.Providers, web.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name + " (" + i18n.T(ctx, "kind."+a.Kind) + ")"})
	}
	opt := func(prefix string, vals ...string) []web.Option {
		out := make([]web.Option, 0, len(vals))
		for _, x := range vals {
			out = append(out, web.Option{Value: x, Label: i18n.T(ctx, prefix+x)})
		}
		return out
	}
	v.Audiences = opt("audience.", "all", "tag", "cid", "alias")
	v.Types = opt("type.", "notification", "transmission", "link", "image", "text", "textcard", "markdown")
	v.Actions = opt("click.", "startapp", "url", "intent", "payload", "none")
	return v, nil
}

// draftFromForm turns the composer's fields into a draft. Numbers that do
// not parse become field errors instead of zeros.
func draftFromForm(c *gin.Context) (campaigns.FormValues, dispatch.Draft, *models.ValidationError) {
	f := campaigns.FormValues{
		Name: c.PostForm("name"), ProviderID: c.PostForm("provider_id"), Group: strings.TrimSpace(c.PostForm("group")),
		AudienceKind: c.PostForm("audience_kind"), AudienceValues: c.PostForm("audience_values"), Type: c.PostForm("type"),
		Title: c.PostForm("title"), Body: c.PostForm("body"), ClickAction: c.PostForm("click_action"), ClickValue: c.PostForm("click_value"),
		Ext: c.PostForm("ext"), Speed: c.PostForm("speed"), TTLSeconds: c.PostForm("ttl_seconds"), ScheduleAt: c.PostForm("schedule_at"),
	}
	v := &models.ValidationError{}
	d := dispatch.Draft{Name: f.Name, Group: f.Group}
	d.ProviderID, _ = strconv.ParseInt(f.ProviderID, 10, 64)
	d.Audience = models.Audience{Kind: f.AudienceKind, Values: splitValues(f.AudienceValues)}
	d.Message = providers.Message{Type: providers.MessageType(f.Type), Title: f.Title, Body: f.Body,
		Click: providers.Click{Action: f.ClickAction}}
	switch f.ClickAction {
	case providers.ClickURL:
		d.Message.Click.URL = strings.TrimSpace(f.ClickValue)
	case providers.ClickIntent:
		d.Message.Click.Intent = f.ClickValue
	case providers.ClickPayload:
		d.Message.Click.Payload = f.ClickValue
	}
	if strings.TrimSpace(f.Ext) != "" {
		d.Message.Ext = []byte(f.Ext)
	}
	intField(v, f.Speed, "options.speed", &d.Options.Speed)
	intField(v, f.TTLSeconds, "options.ttl_seconds", &d.Options.TTLSeconds)
	if f.ScheduleAt != "" {
		t, err := parseLocalTime(f.ScheduleAt)
		if err != nil {
			v.Add("schedule_at", "err.datetime", nil)
		} else {
			d.ScheduleAt = &t
		}
	}
	return f, d, v
}

func intField(v *models.ValidationError, raw, field string, dst *int) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		v.Add(field, "err.integer", nil)
		return
	}
	*dst = n
}

// splitValues splits pasted ids on newlines, commas and spaces.
func splitValues(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' || r == ';' })
}

func (s *Server) saveCampaign(c *gin.Context) {
	vals, d, parseErr := draftFromForm(c)
	cm, _, err := s.engine.CreateCampaign(c.Request.Context(), d, actor(c), "")
	var ve *models.ValidationError
	if errors.As(err, &ve) || parseErr.Err() != nil {
		merged := &models.ValidationError{}
		if ve != nil {
			for k, fe := range ve.Fields {
				merged.Add(k, fe.ID, fe.Data)
			}
		}
		for k, fe := range parseErr.Fields {
			merged.Fields[k] = fe
		}
		v, ferr := s.campaignForm(c, vals, fieldErrors(c, merged))
		if ferr != nil {
			s.fail(c, ferr)
			return
		}
		s.render(c, http.StatusUnprocessableEntity, campaigns.Form(v))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, "campaign_create", fmt.Sprintf("campaign:%d", cm.ID), cm.Name)
	s.flash(c, "success", "flash.campaign_saved")
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/campaigns/%d", cm.ID))
}

// campaignAction runs send / pause / resume / cancel from the page buttons.
func (s *Server) campaignAction(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	action := path.Base(c.Request.URL.Path)
	_, err := s.runAction(c, id, action)
	if errors.Is(err, models.ErrConflict) {
		s.flash(c, "error", "flash.transition_refused")
		s.redirect(c, fmt.Sprintf("/campaigns/%d", id))
		return
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		s.flash(c, "error", "flash.cannot_send")
		s.redirect(c, fmt.Sprintf("/campaigns/%d", id))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, "success", "flash.action_"+action)
	s.redirect(c, fmt.Sprintf("/campaigns/%d", id))
}

// runAction applies a lifecycle action and audits it.
func (s *Server) runAction(c *gin.Context, id int64, action string) (models.Campaign, error) {
	ctx, who := c.Request.Context(), actor(c)
	var cm models.Campaign
	var err error
	switch action {
	case "send":
		cm, err = s.engine.Send(ctx, id, who)
	case "pause":
		cm, err = s.engine.Pause(ctx, id, who)
	case "resume":
		cm, err = s.engine.Resume(ctx, id, who)
	case "cancel":
		cm, err = s.engine.Cancel(ctx, id, who)
	default:
		return cm, models.ErrNotFound
	}
	if err == nil {
		s.audit(c, "campaign_"+action, fmt.Sprintf("campaign:%d", id), "")
	}
	return cm, err
}
