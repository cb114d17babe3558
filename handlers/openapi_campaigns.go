package handlers

import (
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// docTestSend is the answer of a test send (the handler writes it as a map).
type docTestSend struct {
	RequestID string `json:"request_id"`
	TaskID    string `json:"task_id"`
	Items     []struct {
		CID     string `json:"cid"`
		Status  string `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"items"`
}

// docAudiencePage is a page of a campaign's audience values.
type docAudiencePage struct {
	Kind      string   `json:"kind"`
	Count     int64    `json:"count"`
	Items     []string `json:"items"`
	NextAfter *string  `json:"next_after"`
}

// docGroupStats is the answer of a group's stats.
type docGroupStats struct {
	Group           string           `json:"group"`
	Items           []apiStats       `json:"items"`
	NextAfter       *string          `json:"next_after"`
	ProviderReports []apiGroupReport `json:"provider_reports"`
}

// docFollowUp is the optional body of duplicate and resend-failed.
type docFollowUp struct {
	Name *string `json:"name"`
}

func campaignStatusParam() apiParam {
	return enumParam("status", "only campaigns in this status",
		string(models.StatusDraft), string(models.StatusScheduled), string(models.StatusSending), string(models.StatusPaused),
		string(models.StatusCompleted), string(models.StatusCancelled), string(models.StatusFailed))
}

func deliveryStatusParam() apiParam {
	return enumParam("status", "only deliveries in this status",
		models.DeliveryPending, models.DeliveryAccepted, models.DeliveryInvalid, models.DeliveryFailed)
}

func campaignOps() []apiOp {
	const tag = "campaigns"
	action := func(verb, summary string) apiOp {
		return apiOp{Method: http.MethodPost, Path: "/api/v1/campaigns/:id/" + verb, Tag: tag, Summary: summary,
			Description: "409 when the campaign's status does not allow it.",
			Answer:      apiCampaign{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
	}
	return []apiOp{
		{Method: http.MethodGet, Path: "/api/v1/campaigns", Tag: tag, Summary: "List campaigns, newest first",
			Query:  []apiParam{campaignStatusParam(), limitParam(), afterParam("a campaign id")},
			Answer: docPage[apiCampaign, int64]{}, Errors: []int{http.StatusUnprocessableEntity}},
		{Method: http.MethodPost, Path: "/api/v1/campaigns", Tag: tag, Summary: "Create a draft campaign",
			Description: "audience.values (cid or alias lists) hold at most 1,000,000 values. template_id instead of message " +
				"sends a saved template's message (its kind must be the account's). A repeated Idempotency-Key " +
				"with the same body answers 200 with the campaign first created; with another body it is a 422.",
			Headers: []apiParam{{Name: "Idempotency-Key", Description: "makes a retried create return the same campaign (at most 200 characters, kept 24 hours)"}},
			Body:    draft.Draft{}, BodyRequired: []string{"name", "provider_id", "audience"},
			OK: http.StatusCreated, AlsoOK: []int{http.StatusOK}, Answer: apiCampaign{}, Errors: []int{http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/:id", Tag: tag, Summary: "One campaign with its status and totals",
			Description: "audience.values is included only for at most 1,000 values; while sending, retrying, error and next_attempt_at describe batches waiting for another attempt.",
			Answer:      apiCampaign{}, Errors: []int{http.StatusNotFound}},
		{Method: http.MethodPatch, Path: "/api/v1/campaigns/:id", Tag: tag, Summary: "Change a draft (JSON merge patch)",
			Description: "The body's members replace the draft's, objects merge member by member, null removes a member. 409 when the campaign is no longer a draft.",
			Body:        draft.Draft{}, BodyType: "application/merge-patch+json",
			Answer: apiCampaign{}, Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
		action("send", "Send now, or at schedule_at"),
		action("pause", "Pause sending"),
		action("resume", "Resume a paused campaign"),
		action("cancel", "Cancel; unsent recipients stay unsent"),
		{Method: http.MethodPost, Path: "/api/v1/campaigns/:id/test", Tag: tag, Summary: "Send the message to the listed recipients only",
			Body: struct {
				CIDs []string `json:"cids"`
			}{}, BodyRequired: []string{"cids"},
			Answer: docTestSend{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/deliveries", Tag: tag, Summary: "Per-recipient outcomes, in pages",
			Query:  []apiParam{deliveryStatusParam(), limitParam(), afterParam("a recipient")},
			Answer: docPage[apiDelivery, string]{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/deliveries.csv", Tag: tag, Summary: "Every delivery as CSV",
			Query:  []apiParam{deliveryStatusParam()},
			Answer: openapi3.NewStringSchema(), AnswerType: "text/csv", Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/audience", Tag: tag, Summary: "The audience's values, in pages",
			Query:  []apiParam{limitParam(), afterParam("a value")},
			Answer: docAudiencePage{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/stats", Tag: "stats", Summary: "A campaign's funnel per channel",
			Answer: apiStats{}, Errors: []int{http.StatusNotFound}},
		{Method: http.MethodGet, Path: "/api/v1/groups/:name/stats", Tag: "stats", Summary: "A group's campaigns and the providers' own group reports",
			Answer: docGroupStats{}, Errors: []int{http.StatusNotFound}},
	}
}

// campaignFollowOps are the operations that make a new draft from a campaign.
func campaignFollowOps() []apiOp {
	const tag = "campaigns"
	return []apiOp{
		{Method: http.MethodPost, Path: "/api/v1/campaigns/:id/duplicate", Tag: tag, Summary: "Copy a campaign into a new draft",
			Description: "The body is optional; name defaults to \"Copy of\" and the campaign's name.",
			Body:        docFollowUp{}, BodyOptional: true, OK: http.StatusCreated, Answer: apiCampaign{},
			Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		{Method: http.MethodPost, Path: "/api/v1/campaigns/:id/resend-failed", Tag: tag, Summary: "A new draft for the recipients that ended failed",
			Description: "409 while the campaign runs; 422 (code no_failed_recipients) when none failed. The body is optional.",
			Body:        docFollowUp{}, BodyOptional: true, OK: http.StatusCreated, Answer: apiCampaign{},
			Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
	}
}
