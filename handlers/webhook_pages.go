package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/settings"
)

// webhookForm builds the form's values, with checked the chosen types.
func webhookForm(c *gin.Context, url string, checked []string, disabled bool) settings.WebhookForm {
	f := settings.WebhookForm{URL: url, Disabled: disabled}
	for _, t := range models.WebhookEventTypes() {
		f.Events = append(f.Events, settings.EventChoice{Type: t, Label: i18n.T(c.Request.Context(), "webhooks.event."+t), Checked: slices.Contains(checked, t)})
	}
	return f
}

func (s *Server) webhooksView(c *gin.Context) (settings.WebhooksView, error) {
	es, err := s.store.ListWebhooks(c.Request.Context())
	if err != nil {
		return settings.WebhooksView{}, err
	}
	v := settings.WebhooksView{New: webhookForm(c, "", nil, false), Full: len(es) >= models.MaxWebhookEndpoints}
	for _, e := range es {
		r := settings.WebhookRow{ID: e.ID, URL: e.URL, SecretHint: e.SecretHint, Disabled: e.Disabled, Created: when(e.CreatedAt)}
		for _, t := range e.Events() {
			r.Events = append(r.Events, i18n.T(c.Request.Context(), "webhooks.event."+t))
		}
		v.Rows = append(v.Rows, r)
	}
	return v, nil
}

func (s *Server) showWebhooks(c *gin.Context) {
	v, err := s.webhooksView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, settings.Webhooks(v))
}

// createWebhook adds an endpoint and shows its secret in this response
// only (never in a cookie or a URL; the page is marked no-store). A bad
// URL or no event re-renders the form with the values typed.
func (s *Server) createWebhook(c *gin.Context) {
	url, events := c.PostForm("url"), c.PostFormArray("events")
	e, secret, err := s.store.CreateWebhook(c.Request.Context(), models.WebhookInput{URL: url, Events: events})
	var ve *models.ValidationError
	if err != nil && !errors.As(err, &ve) {
		s.fail(c, err)
		return
	}
	v, verr := s.webhooksView(c)
	if verr != nil {
		s.fail(c, verr)
		return
	}
	if ve != nil {
		v.New, v.Errors = webhookForm(c, url, events, false), fieldErrors(c, ve)
		s.render(c, http.StatusUnprocessableEntity, settings.Webhooks(v))
		return
	}
	if !s.audit(c, auditWebhookCreate, e.URL, webhookSummary(e)) {
		return
	}
	v.Created = &settings.CreatedWebhook{URL: e.URL, Secret: secret}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, settings.Webhooks(v))
}

// pageWebhook loads the path's endpoint, answering 404 itself.
func (s *Server) pageWebhook(c *gin.Context) (models.WebhookEndpoint, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return models.WebhookEndpoint{}, false
	}
	e, err := s.store.WebhookByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return models.WebhookEndpoint{}, false
	}
	return e, true
}

func (s *Server) webhookLogView(c *gin.Context, e models.WebhookEndpoint) (settings.WebhookLogView, error) {
	ds, err := s.store.WebhookLog(c.Request.Context(), e.ID, webhookLogSize)
	if err != nil {
		return settings.WebhookLogView{}, err
	}
	v := settings.WebhookLogView{URL: e.URL}
	for _, d := range ds {
		r := settings.WebhookLogRow{EventID: d.EventID, Type: d.Type, State: d.State, StateLabel: i18n.T(c.Request.Context(), "webhooks.state."+d.State),
			Attempts: d.Attempts, Error: d.LastError, When: when(d.UpdatedAt)}
		if d.LastStatus > 0 {
			r.Status = fmt.Sprint(d.LastStatus)
		}
		if d.Attempts > 0 {
			r.Latency = fmt.Sprintf("%d ms", d.LastLatencyMs)
		}
		v.Rows = append(v.Rows, r)
	}
	return v, nil
}

// renderWebhook renders the endpoint's page with form as typed.
func (s *Server) renderWebhook(c *gin.Context, status int, e models.WebhookEndpoint, form settings.WebhookForm, ve *models.ValidationError) {
	lv, err := s.webhookLogView(c, e)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := settings.WebhookView{ID: e.ID, URL: e.URL, SecretHint: e.SecretHint, Form: form, Log: lv}
	if ve != nil {
		v.Errors = fieldErrors(c, ve)
	}
	s.render(c, status, settings.Webhook(v))
}

func (s *Server) showWebhook(c *gin.Context) {
	if e, ok := s.pageWebhook(c); ok {
		s.renderWebhook(c, http.StatusOK, e, webhookForm(c, e.URL, e.Events(), e.Disabled), nil)
	}
}

// showWebhookLog is the log region alone, for htmx's refresh.
func (s *Server) showWebhookLog(c *gin.Context) {
	e, ok := s.pageWebhook(c)
	if !ok {
		return
	}
	lv, err := s.webhookLogView(c, e)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, settings.WebhookLog(fmt.Sprintf("/settings/webhooks/%d/log", e.ID), lv))
}

// saveWebhook changes the URL, events and enabled state.
func (s *Server) saveWebhook(c *gin.Context) {
	e, ok := s.pageWebhook(c)
	if !ok {
		return
	}
	url, events, disabled := c.PostForm("url"), c.PostFormArray("events"), c.PostForm("enabled") != "1"
	updated, err := s.store.UpdateWebhook(c.Request.Context(), e.ID, models.WebhookUpdate{URL: &url, Events: &events, Disabled: &disabled})
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		s.renderWebhook(c, http.StatusUnprocessableEntity, e, webhookForm(c, url, events, disabled), ve)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, auditWebhookUpdate, updated.URL, webhookSummary(updated)) {
		return
	}
	s.flash(c, "success", "flash.saved")
	s.redirect(c, fmt.Sprintf("/settings/webhooks/%d", e.ID))
}

// testWebhookPage queues a test event and answers the refreshed log (an
// htmx post), or goes back to the page (a plain form post).
func (s *Server) testWebhookPage(c *gin.Context) {
	e, ok := s.pageWebhook(c)
	if !ok {
		return
	}
	id, err := s.store.EmitTestWebhook(c.Request.Context(), e.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, auditWebhookTest, e.URL, id) {
		return
	}
	s.hooks.Wake()
	if !isPartial(c) {
		s.redirect(c, fmt.Sprintf("/settings/webhooks/%d", e.ID))
		return
	}
	s.showWebhookLog(c)
}

func (s *Server) deleteWebhookPage(c *gin.Context) {
	e, ok := s.pageWebhook(c)
	if !ok {
		return
	}
	if err := s.store.DeleteWebhook(c.Request.Context(), e.ID); err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, auditWebhookDelete, e.URL, "") {
		return
	}
	s.flash(c, "success", "webhooks.flash_deleted")
	s.redirect(c, "/settings/webhooks")
}
