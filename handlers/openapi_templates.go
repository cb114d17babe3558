package handlers

import (
	"net/http"

	"github.com/pushdeck/pushdeck/dispatch"
)

func templateOps() []apiOp {
	const tag = "templates"
	const limits = "name at most 100 bytes, message at most 64 KB (checked against the kind's rules like a campaign's message), at most 1,000 templates."
	return []apiOp{
		{Method: http.MethodGet, Path: "/api/v1/templates", Tag: tag, Summary: "List saved message templates by name",
			Query:  []apiParam{{Name: "kind", Description: "only templates of this provider kind"}, limitParam(), afterParam("a template name")},
			Answer: docPage[apiTemplate, string]{}, Errors: []int{http.StatusUnprocessableEntity}},
		{Method: http.MethodPost, Path: "/api/v1/templates", Tag: tag, Summary: "Save a message template for a provider kind",
			Description: limits, Body: dispatch.TemplateDraft{}, BodyRequired: []string{"name", "kind", "message"},
			OK: http.StatusCreated, Answer: apiTemplate{}, Errors: []int{http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/templates/:id", Tag: tag, Summary: "One template with how many campaigns used it",
			Answer: apiTemplate{}, Errors: []int{http.StatusNotFound}},
		{Method: http.MethodPut, Path: "/api/v1/templates/:id", Tag: tag, Summary: "Replace a template",
			Description: limits, Body: dispatch.TemplateDraft{}, BodyRequired: []string{"name", "kind", "message"},
			Answer: apiTemplate{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		{Method: http.MethodDelete, Path: "/api/v1/templates/:id", Tag: tag, Summary: "Delete a template",
			Description: "Campaigns started from it keep their message; their template_id becomes null.",
			OK:          http.StatusNoContent, Errors: []int{http.StatusNotFound}},
	}
}

// personalOps documents the personalized message preview.
func personalOps() []apiOp {
	return []apiOp{
		{Method: http.MethodPost, Path: "/api/v1/campaigns/preview", Tag: "campaigns",
			Summary: "Render a message with placeholders for one device of an account",
			Description: "Placeholders: {{ name }} takes the device's attribute or fixed field (cid, alias, user_id, platform, region); " +
				"{{ name | default: \"there\" }} gives a fallback. cid picks the device (empty: a device without values). " +
				"With an audience, fallback counts its devices that lack an attribute the message names (not for cid or alias lists). " +
				"A message that does not parse, or an unknown cid, is a 422 naming the field.",
			Body: previewBody{}, BodyRequired: []string{"provider_id", "message"},
			Answer: previewAnswer{}, Errors: []int{http.StatusUnprocessableEntity}},
	}
}
