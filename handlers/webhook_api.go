package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
)

// webhookRoutes are the webhook endpoints' pages and API, for
// administrators: an endpoint receives events with campaign names and
// device ids, signed with a secret only they see.
func (s *Server) webhookRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/settings/webhooks", admin, s.showWebhooks),
		page(http.MethodPost, "/settings/webhooks", admin, s.createWebhook),
		page(http.MethodGet, "/settings/webhooks/:id", admin, s.showWebhook),
		page(http.MethodGet, "/settings/webhooks/:id/log", admin, s.showWebhookLog),
		page(http.MethodPost, "/settings/webhooks/:id", admin, s.saveWebhook),
		page(http.MethodPost, "/settings/webhooks/:id/test", admin, s.testWebhookPage),
		page(http.MethodPost, "/settings/webhooks/:id/delete", admin, s.deleteWebhookPage),

		api(http.MethodGet, "/webhooks", admin, s.apiListWebhooks),
		api(http.MethodPost, "/webhooks", admin, s.apiCreateWebhook),
		api(http.MethodGet, "/webhooks/:id", admin, s.apiGetWebhook),
		api(http.MethodPatch, "/webhooks/:id", admin, s.apiPatchWebhook),
		api(http.MethodDelete, "/webhooks/:id", admin, s.apiDeleteWebhook),
		api(http.MethodPost, "/webhooks/:id/test", admin, s.apiTestWebhook),
		api(http.MethodGet, "/webhooks/:id/deliveries", admin, s.apiWebhookDeliveries),
	}
}

// apiWebhook is an endpoint as the API shows it. Secret is set only in
// the answer that created it.
type apiWebhook struct {
	ID         int64     `json:"id"`
	URL        string    `json:"url"`
	Events     []string  `json:"events"`
	Disabled   bool      `json:"disabled"`
	SecretHint string    `json:"secret_hint"`
	Secret     string    `json:"secret,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func apiWebhookOf(e models.WebhookEndpoint) apiWebhook {
	evs := e.Events()
	if evs == nil {
		evs = []string{}
	}
	return apiWebhook{ID: e.ID, URL: e.URL, Events: evs, Disabled: e.Disabled, SecretHint: e.SecretHint + "…",
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// apiWebhookDelivery is one line of an endpoint's delivery log.
type apiWebhookDelivery struct {
	EventID    string    `json:"event_id"`
	Type       string    `json:"type"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	LastStatus int       `json:"last_status"`
	LatencyMs  int64     `json:"latency_ms"`
	LastError  string    `json:"last_error"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// webhookDraft is the create and update body; absent fields are nil.
type webhookDraft struct {
	URL      *string   `json:"url"`
	Events   *[]string `json:"events"`
	Disabled *bool     `json:"disabled"`
}

func (s *Server) apiListWebhooks(c *gin.Context) {
	es, err := s.store.ListWebhooks(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	items := make([]apiWebhook, 0, len(es))
	for _, e := range es {
		items = append(items, apiWebhookOf(e))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": nil})
}

// apiCreateWebhook adds an endpoint: 201 with it and its secret, the only
// time the secret is shown; 422 naming url or events.
func (s *Server) apiCreateWebhook(c *gin.Context) {
	var d webhookDraft
	if !s.decodeJSON(c, &d) {
		return
	}
	in := models.WebhookInput{}
	if d.URL != nil {
		in.URL = *d.URL
	}
	if d.Events != nil {
		in.Events = *d.Events
	}
	if d.Disabled != nil {
		in.Disabled = *d.Disabled
	}
	e, secret, err := s.store.CreateWebhook(c.Request.Context(), in)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditWebhookCreate, e.URL, "events="+strings.Join(e.Events(), ",")) {
		return
	}
	out := apiWebhookOf(e)
	out.Secret = secret
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, out)
}

// apiWebhookByID loads the path's endpoint, answering 404 itself.
func (s *Server) apiWebhookByID(c *gin.Context) (models.WebhookEndpoint, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.apiFail(c, models.ErrNotFound)
		return models.WebhookEndpoint{}, false
	}
	e, err := s.store.WebhookByID(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return models.WebhookEndpoint{}, false
	}
	return e, true
}

func (s *Server) apiGetWebhook(c *gin.Context) {
	if e, ok := s.apiWebhookByID(c); ok {
		c.JSON(http.StatusOK, apiWebhookOf(e))
	}
}

// apiPatchWebhook changes url, events or disabled; the secret stays.
func (s *Server) apiPatchWebhook(c *gin.Context) {
	e, ok := s.apiWebhookByID(c)
	if !ok {
		return
	}
	var d webhookDraft
	if !s.decodeJSON(c, &d) {
		return
	}
	e, err := s.store.UpdateWebhook(c.Request.Context(), e.ID, models.WebhookUpdate{URL: d.URL, Events: d.Events, Disabled: d.Disabled})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditWebhookUpdate, e.URL, webhookSummary(e)) {
		return
	}
	c.JSON(http.StatusOK, apiWebhookOf(e))
}

func (s *Server) apiDeleteWebhook(c *gin.Context) {
	e, ok := s.apiWebhookByID(c)
	if !ok {
		return
	}
	if err := s.store.DeleteWebhook(c.Request.Context(), e.ID); err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditWebhookDelete, e.URL, "") {
		return
	}
	c.Status(http.StatusNoContent)
}

// apiTestWebhook queues a webhook.test event for the endpoint: 202 with
// the event's id, which the delivery log then shows.
func (s *Server) apiTestWebhook(c *gin.Context) {
	e, ok := s.apiWebhookByID(c)
	if !ok {
		return
	}
	id, err := s.store.EmitTestWebhook(c.Request.Context(), e.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditWebhookTest, e.URL, id) {
		return
	}
	s.hooks.Wake()
	c.JSON(http.StatusAccepted, gin.H{"event_id": id})
}

// webhookLogSize is how many deliveries the log shows (the worker keeps
// about as many finished ones per endpoint).
const webhookLogSize = 50

func (s *Server) apiWebhookDeliveries(c *gin.Context) {
	e, ok := s.apiWebhookByID(c)
	if !ok {
		return
	}
	ds, err := s.store.WebhookLog(c.Request.Context(), e.ID, webhookLogSize)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	items := make([]apiWebhookDelivery, 0, len(ds))
	for _, d := range ds {
		items = append(items, apiWebhookDelivery{EventID: d.EventID, Type: d.Type, State: d.State, Attempts: d.Attempts,
			LastStatus: d.LastStatus, LatencyMs: d.LastLatencyMs, LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt})
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": nil})
}

// webhookSummary is the audit detail of an endpoint's settings.
func webhookSummary(e models.WebhookEndpoint) string {
	st := "enabled"
	if e.Disabled {
		st = "disabled"
	}
	return st + " events=" + strings.Join(e.Events(), ",")
}
