package handlers

import (
	"net/http"
	"strings"

	"github.com/pushdeck/pushdeck/models"
)

// webhookOps documents the webhook endpoints' routes (administrators).
func webhookOps() []apiOp {
	const tag = "webhooks"
	id := []int{http.StatusNotFound}
	events := "events: any of " + strings.Join(models.WebhookEventTypes(), ", ") + "."
	return []apiOp{
		{Method: http.MethodGet, Path: "/api/v1/webhooks", Tag: tag, Summary: "List webhook endpoints",
			Description: "Never includes the secrets.", Answer: docPage[apiWebhook, string]{}},
		{Method: http.MethodPost, Path: "/api/v1/webhooks", Tag: tag, Summary: "Add a webhook endpoint",
			Description: "The answer carries the signing secret, the only time it is shown. url: http:// or https:// with a host, " +
				"no user info, query or fragment, at most 2,048 bytes; at most 20 endpoints. " + events,
			Body: webhookDraft{}, BodyRequired: []string{"url", "events"}, OK: http.StatusCreated, Answer: apiWebhook{},
			Errors: []int{http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/webhooks/:id", Tag: tag, Summary: "One webhook endpoint",
			Answer: apiWebhook{}, Errors: id},
		{Method: http.MethodPatch, Path: "/api/v1/webhooks/:id", Tag: tag, Summary: "Change a webhook endpoint",
			Description: "Members left out keep their value; the secret never changes. " + events,
			Body:        webhookDraft{}, Answer: apiWebhook{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		{Method: http.MethodDelete, Path: "/api/v1/webhooks/:id", Tag: tag, Summary: "Delete a webhook endpoint",
			Description: "Deliveries not yet made to it are dropped.", OK: http.StatusNoContent, Errors: id},
		{Method: http.MethodPost, Path: "/api/v1/webhooks/:id/test", Tag: tag, Summary: "Queue a webhook.test event for the endpoint",
			OK: http.StatusAccepted, Answer: struct {
				EventID string `json:"event_id"`
			}{}, Errors: id},
		{Method: http.MethodGet, Path: "/api/v1/webhooks/:id/deliveries", Tag: tag, Summary: "The endpoint's last 50 deliveries, newest first",
			Answer: docPage[apiWebhookDelivery, string]{}, Errors: id},
	}
}
