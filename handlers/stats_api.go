package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// apiStats is the contract's stats shape.
type apiStats struct {
	CampaignID int64                   `json:"campaign_id,omitempty"`
	Name       string                  `json:"name,omitempty"`
	Channels   []models.ChannelFigures `json:"channels"`
	Totals     models.ChannelFigures   `json:"totals"`
	UpdatedAt  *time.Time              `json:"updated_at"`
	Stale      bool                    `json:"stale"`
	Failures   []apiFailure            `json:"failures"`
}

type apiFailure struct {
	Status  string `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Count   int64  `json:"count"`
}

// toAPIStats shapes a funnel for the API, its failure messages rendered
// by en.
func toAPIStats(f dispatch.Funnel, en outcomeLocalizer) apiStats {
	out := apiStats{Channels: f.Channels, Totals: f.Totals, UpdatedAt: f.UpdatedAt, Stale: f.Stale, Failures: []apiFailure{}}
	if out.Channels == nil {
		out.Channels = []models.ChannelFigures{}
	}
	for _, fc := range f.Failures {
		out.Failures = append(out.Failures, apiFailure{Status: fc.Status, Code: fc.Code, Message: en.text(fc.Message), Count: fc.N})
	}
	return out
}

func (s *Server) apiCampaignStats(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	cm, err := s.store.CampaignHead(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	f, err := s.engine.CampaignFunnel(c.Request.Context(), cm)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, toAPIStats(f, s.englishOutcomes()))
}

// apiGroupReport is a provider's own report of a task group on one
// account, in the stats shape: channels without the total line, totals,
// updated_at (of the figures, null before the first good poll) and stale
// with the newest poll's error.
type apiGroupReport struct {
	ProviderID  int64                    `json:"provider_id"`
	Provider    string                   `json:"provider"`
	Kind        string                   `json:"kind"`
	Channels    []providers.ChannelStats `json:"channels"`
	Totals      providers.ChannelStats   `json:"totals"`
	UpdatedAt   *time.Time               `json:"updated_at"`
	Stale       bool                     `json:"stale"`
	LastError   string                   `json:"last_error"`
	LastErrorAt *time.Time               `json:"last_error_at"`
}

func toAPIGroupReport(r dispatch.GroupReport) apiGroupReport {
	out := apiGroupReport{ProviderID: r.ProviderID, Provider: r.Account, Kind: r.Kind, Channels: r.Channels, Totals: r.Total,
		UpdatedAt: r.TakenAt, Stale: r.Stale, LastError: r.LastError, LastErrorAt: r.LastErrorAt}
	if out.Channels == nil {
		out.Channels = []providers.ChannelStats{}
	}
	return out
}

// apiGroupStats answers a group's campaigns (items, pushdeck's figures per
// campaign) and, under provider_reports, the providers' own group reports,
// one per account polled for the group ([] when none).
func (s *Server) apiGroupStats(c *gin.Context) {
	ctx := c.Request.Context()
	cs, fs, err := s.groupFunnels(ctx, c.Param("name"))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	reports, err := s.engine.GroupReports(ctx, c.Param("name"))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	items := make([]apiStats, 0, len(cs))
	for i, cm := range cs {
		st := toAPIStats(fs[i], s.englishOutcomes())
		st.CampaignID, st.Name = cm.ID, cm.Name
		items = append(items, st)
	}
	prs := make([]apiGroupReport, 0, len(reports))
	for _, r := range reports {
		prs = append(prs, toAPIGroupReport(r))
	}
	c.JSON(http.StatusOK, gin.H{"group": c.Param("name"), "items": items, "next_after": nil, "provider_reports": prs})
}
