package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
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

func toAPIStats(f dispatch.Funnel) apiStats {
	out := apiStats{Channels: f.Channels, Totals: f.Totals, UpdatedAt: f.UpdatedAt, Stale: f.Stale, Failures: []apiFailure{}}
	if out.Channels == nil {
		out.Channels = []models.ChannelFigures{}
	}
	for _, fc := range f.Failures {
		out.Failures = append(out.Failures, apiFailure{Status: fc.Status, Code: fc.Code, Message: fc.Message, Count: fc.N})
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
	c.JSON(http.StatusOK, toAPIStats(f))
}

func (s *Server) apiGroupStats(c *gin.Context) {
	cs, fs, err := s.groupFunnels(c.Request.Context(), c.Param("name"))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	items := make([]apiStats, 0, len(cs))
	for i, cm := range cs {
		st := toAPIStats(fs[i])
		st.CampaignID, st.Name = cm.ID, cm.Name
		items = append(items, st)
	}
	c.JSON(http.StatusOK, gin.H{"group": c.Param("name"), "items": items, "next_after": nil})
}
