package handlers

import "net/http"

// docWinner is the body of a winner's pick.
type docWinner struct {
	Variant int `json:"variant"`
}

// abTestOps are the A/B test operations.
func abTestOps() []apiOp {
	const tag = "campaigns"
	return []apiOp{
		{Method: http.MethodPost, Path: "/api/v1/campaigns/:id/winner", Tag: tag, Summary: "Send the chosen variant to the rest of a test-first campaign",
			Description: "variant is the index in variants. Allowed while the test waits (ab.phase wait) or awaits its winner " +
				"(ab.phase awaiting_winner); 409 otherwise, 422 for a variant the campaign does not have.",
			Body: docWinner{}, BodyRequired: []string{"variant"},
			Answer: apiCampaign{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/variants", Tag: "stats", Summary: "An A/B campaign's variants side by side",
			Description: "Each variant's counts and provider funnel, the rate it is judged by, the leader and, when both samples " +
				"are large enough, a two-proportion z-test of the leader against the runner-up. 404 for a campaign without variants.",
			Answer: apiVariants{}, Errors: []int{http.StatusNotFound}},
	}
}
