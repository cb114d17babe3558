package handlers

import (
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// nameSchemas names the types that become components of the document.
func nameSchemas(g *schemaGen) {
	g.name(apiCampaign{}, "Campaign")
	g.name(draft.Draft{}, "CampaignDraft")
	g.name(draft.Options{}, "CampaignOptions")
	g.name(models.Audience{}, "Audience")
	g.name(providers.Message{}, "Message")
	g.name(models.Totals{}, "Totals")
	g.name(apiDelivery{}, "Delivery")
	g.name(models.Device{}, "Device")
	g.name(apiDevice{}, "DeviceUpsert")
	g.name(models.ListChange{}, "ListChange")
	g.name(apiSegment{}, "Segment")
	g.name(segmentBody{}, "SegmentBody")
	g.name(apiProvider{}, "Provider")
	g.name(apiStats{}, "Stats")
	g.name(models.ChannelFigures{}, "ChannelFigures")
	g.name(apiGroupReport{}, "GroupReport")
	g.name(providers.ChannelStats{}, "ChannelStats")
	g.name(apiWebhook{}, "Webhook")
	g.name(apiWebhookDelivery{}, "WebhookDelivery")
}

// docPage is the shape of every list answer: {items, next_after}, where
// next_after is the after= of the next page and null on the last one.
type docPage[T, A any] struct {
	Items     []T `json:"items"`
	NextAfter *A  `json:"next_after"`
}

// Query parameters shared by the list operations.
func limitParam() apiParam {
	return apiParam{Name: "limit", Description: "page size, 1 to 500 (default 50)",
		Schema: openapi3.NewIntegerSchema().WithMin(1).WithMax(500)}
}

func afterParam(what string) apiParam {
	return apiParam{Name: "after", Description: "the next_after of the previous page: " + what}
}

func enumParam(name, desc string, values ...string) apiParam {
	s := openapi3.NewStringSchema()
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
	return apiParam{Name: name, Description: desc, Schema: s}
}

func coreOps() []apiOp {
	return []apiOp{
		{Method: http.MethodGet, Path: "/healthz", Tag: "service", Summary: "Liveness",
			Answer: struct {
				Status string `json:"status"`
			}{}},
		{Method: http.MethodGet, Path: "/metrics", Tag: "service", Summary: "Prometheus metrics",
			Description: "The engine's and the process's metrics in the Prometheus text exposition format.",
			Answer:      openapi3.NewStringSchema(), AnswerType: "text/plain"},
		{Method: http.MethodGet, Path: "/api/v1/openapi.json", Tag: "service", Summary: "This document",
			Description: "The OpenAPI 3.1 document of the JSON API, built from the server's route table.",
			Answer:      openapi3.NewObjectSchema()},
	}
}
