package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/pages/dashboard"
)

func (s *Server) showDashboard(c *gin.Context) {
	ctx := c.Request.Context()
	counts, err := s.store.CountCampaignsByStatus(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, _, err := s.campaignRows(ctx, models.CampaignFilter{Limit: 10})
	if err != nil {
		s.fail(c, err)
		return
	}
	v := dashboard.View{Recent: rows}
	for _, st := range []models.Status{models.StatusDraft, models.StatusScheduled, models.StatusSending, models.StatusCompleted} {
		v.Counts = append(v.Counts, dashboard.Count{Status: string(st), N: num(counts[st])})
	}
	s.render(c, http.StatusOK, dashboard.Dashboard(v))
}
