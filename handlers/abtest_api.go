package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
)

// apiABState is where a test-first campaign is: phase sample (the sample
// is being sent), wait (the winner is picked at decide_at),
// awaiting_winner (an operator picks it: POST …/winner) or winner_sent
// (the winner goes to the rest).
type apiABState struct {
	Phase     string     `json:"phase"`
	DecideAt  *time.Time `json:"decide_at,omitempty"`
	Winner    *int       `json:"winner"`
	DecidedBy string     `json:"decided_by,omitempty"`
}

// abPhaseNames are the API's names of the phases.
func abPhaseName(p models.ABPhase) string {
	switch p {
	case models.ABChoose:
		return "awaiting_winner"
	case models.ABRest:
		return "winner_sent"
	}
	return string(p)
}

func abStateOf(c models.Campaign) *apiABState {
	if c.ABPhase == models.ABNone {
		return nil
	}
	return &apiABState{Phase: abPhaseName(c.ABPhase), DecideAt: c.ABDecideAt, Winner: c.ABWinner, DecidedBy: c.ABDecidedBy}
}

// apiChooseWinner sends the chosen variant ({"variant": index}) to the rest
// of a test-first campaign's audience: 422 for a variant it does not have,
// 409 when the campaign takes no winner now (no test, still sampling, or
// already decided).
func (s *Server) apiChooseWinner(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	var body struct {
		Variant *int `json:"variant"`
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		jsonFail(c, err)
		return
	}
	if body.Variant == nil {
		s.apiFail(c, fieldProblem("variant", "err.required", nil))
		return
	}
	out, err := s.engine.ChooseWinner(c.Request.Context(), id, *body.Variant, actor(c))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditCampaignWinner, fmt.Sprintf("campaign:%d", id), fmt.Sprintf("variant %d", *body.Variant)) {
		return
	}
	s.writeCampaign(c, http.StatusOK, out)
}

// apiVariants compares an A/B campaign's variants.
type apiVariants struct {
	// Metric is what the winner is judged by: click, received (where the
	// provider reports no clicks) or accepted (where it reports nothing).
	Metric  string        `json:"metric"`
	Leader  int           `json:"leader"`
	Winner  *int          `json:"winner"`
	AB      *apiABState   `json:"ab,omitempty"`
	Items   []apiVariant  `json:"items"`
	Compare apiComparison `json:"comparison"`
}

// apiVariant is one variant's funnel.
type apiVariant struct {
	Index      int     `json:"index"`
	Name       string  `json:"name"`
	Share      int     `json:"share"`
	Recipients int64   `json:"recipients"`
	Accepted   int64   `json:"accepted"`
	Failed     int64   `json:"failed"`
	Sent       int64   `json:"sent"`
	Received   int64   `json:"received"`
	Displayed  int64   `json:"displayed"`
	Clicked    int64   `json:"clicked"`
	Rate       float64 `json:"rate"`
}

// apiComparison is the leader against the runner-up: a two-proportion
// z-test, run only when both samples are large enough (enough).
type apiComparison struct {
	RunnerUp int     `json:"runner_up"`
	Enough   bool    `json:"enough"`
	Diff     float64 `json:"diff"`
	Z        float64 `json:"z"`
	P        float64 `json:"p"`
}

// apiCampaignVariants answers the variants side by side; 404 for a
// campaign without variants.
func (s *Server) apiCampaignVariants(c *gin.Context) {
	cm, ok := s.apiCampaign(c)
	if !ok {
		return
	}
	if cm.Variants == "" {
		apiError(c, http.StatusNotFound, "not_found", "the campaign has no variants", nil)
		return
	}
	res, err := s.engine.ABResults(c.Request.Context(), cm)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := apiVariants{Metric: res.Metric, Leader: res.Leader, Winner: cm.ABWinner, AB: abStateOf(cm), Items: []apiVariant{},
		Compare: apiComparison{RunnerUp: res.Compared.RunnerUp, Enough: res.Compared.Enough, Diff: res.Compared.Diff, Z: res.Compared.Z, P: res.Compared.P}}
	for _, v := range res.Variants {
		out.Items = append(out.Items, apiVariant{Index: v.Index, Name: v.Name, Share: v.Share, Recipients: v.Totals.Recipients,
			Accepted: v.Totals.Accepted, Failed: v.Totals.Failed, Sent: v.Figures.Sent, Received: v.Figures.Received,
			Displayed: v.Figures.Displayed, Clicked: v.Figures.Clicked, Rate: v.Rate})
	}
	c.JSON(http.StatusOK, out)
}
