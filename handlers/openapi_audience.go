package handlers

import (
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pushdeck/pushdeck/models"
)

// docImport is the answer of a CSV import.
type docImport struct {
	models.UpsertResult
	Rejected      []apiRejection `json:"rejected"`
	RejectedTotal int64          `json:"rejected_total"`
}

// docCIDs is a body naming devices by client id.
type docCIDs struct {
	CIDs []string `json:"cids"`
}

func providerIDParam() apiParam {
	return apiParam{Name: "provider_id", Description: "the provider account the devices belong to", Required: true,
		Schema: openapi3.NewInt64Schema().WithMin(1)}
}

func audienceOps() []apiOp {
	const tag = "devices"
	pid := []apiParam{providerIDParam()}
	bad := []int{http.StatusUnprocessableEntity}
	return []apiOp{
		{Method: http.MethodGet, Path: "/api/v1/devices", Tag: tag, Summary: "List an account's devices, in pages",
			Query: []apiParam{providerIDParam(), {Name: "tag"}, {Name: "platform"}, {Name: "vendor"}, {Name: "region"},
				{Name: "q", Description: "a cid, alias or user id prefix"}, limitParam(), afterParam("a cid")},
			Answer: docPage[models.Device, string]{}, Errors: bad},
		{Method: http.MethodPost, Path: "/api/v1/devices", Tag: tag, Summary: "Upsert devices",
			Description: "A JSON array of at most 10,000 devices: all valid or nothing written (422 with \"[i].field\" paths). " +
				"A member left out keeps the device's value; tags, when given, replace the device's tags, and attributes " +
				"(an object of name → string or number, numbers kept as their text, null or \"\" for no value) replace the device's attributes.",
			Query: pid, Body: []apiDevice{}, Answer: models.UpsertResult{}, Errors: bad},
		{Method: http.MethodPost, Path: "/api/v1/devices/import", Tag: tag, Summary: "Import devices from CSV",
			Description: "The header names the columns (cid, alias, user_id, platform, vendor, region, tags; tags separated by ;) " +
				"in any order. Bad rows are rejected with their line (the header is line 1) while the rest go in. At most 2 GB.",
			Query: pid, Body: openapi3.NewStringSchema(), BodyType: "text/csv", Answer: docImport{}, Errors: bad},
		{Method: http.MethodGet, Path: "/api/v1/devices/tags", Tag: tag, Summary: "An account's tags with their device counts",
			Query: pid, Answer: docPage[models.TagCount, string]{}, Errors: bad},
		{Method: http.MethodPost, Path: "/api/v1/devices/tags", Tag: tag, Summary: "Add and remove tags on listed devices",
			Query: pid, Body: struct {
				CIDs   []string `json:"cids"`
				Add    []string `json:"add"`
				Remove []string `json:"remove"`
			}{}, BodyRequired: []string{"cids"}, Answer: models.ListChange{}, Errors: bad},
		{Method: http.MethodPost, Path: "/api/v1/devices/alias", Tag: tag, Summary: "Set one alias on listed devices",
			Description: "alias \"\" clears it.",
			Query:       pid, Body: struct {
				CIDs  []string `json:"cids"`
				Alias string   `json:"alias"`
			}{}, BodyRequired: []string{"cids", "alias"}, Answer: models.ListChange{}, Errors: bad},
		{Method: http.MethodPost, Path: "/api/v1/devices/delete", Tag: tag, Summary: "Delete listed devices (1 to 10,000 cids)",
			Query: pid, Body: docCIDs{}, BodyRequired: []string{"cids"}, Answer: struct {
				Deleted int64 `json:"deleted"`
			}{}, Errors: bad},
		{Method: http.MethodPost, Path: "/api/v1/audience/preview", Tag: tag, Summary: "Count an audience",
			Description: "native is true when the provider resolves the audience itself (it then reaches every device it knows, " +
				"and count is only the matching devices registered here). 503 when too many counts run or one takes too long.",
			Body: struct {
				ProviderID int64           `json:"provider_id"`
				Audience   models.Audience `json:"audience"`
			}{}, BodyRequired: []string{"provider_id", "audience"},
			Answer: struct {
				Count  int64 `json:"count"`
				Native bool  `json:"native"`
			}{}, Errors: []int{http.StatusUnprocessableEntity, http.StatusServiceUnavailable}},
	}
}

func segmentOps() []apiOp {
	const tag = "segments"
	return []apiOp{
		{Method: http.MethodGet, Path: "/api/v1/segments", Tag: tag, Summary: "List saved segments",
			Answer: docPage[apiSegment, string]{}},
		{Method: http.MethodPost, Path: "/api/v1/segments", Tag: tag, Summary: "Save a segment (a condition tree)",
			Body: segmentBody{}, BodyRequired: []string{"name", "tree"}, OK: http.StatusCreated, Answer: apiSegment{},
			Errors: []int{http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/segments/:id", Tag: tag, Summary: "One segment",
			Answer: apiSegment{}, Errors: []int{http.StatusNotFound}},
		{Method: http.MethodPut, Path: "/api/v1/segments/:id", Tag: tag, Summary: "Replace a segment",
			Body: segmentBody{}, BodyRequired: []string{"name", "tree"}, Answer: apiSegment{},
			Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		{Method: http.MethodDelete, Path: "/api/v1/segments/:id", Tag: tag, Summary: "Delete a segment",
			OK: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusConflict}},
	}
}
