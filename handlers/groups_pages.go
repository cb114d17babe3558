package handlers

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/pages/stats"
)

// groupsShown and groupCampaignsShown bound the task groups page: the
// most recently used groups, each with its newest campaigns (the group's
// own page compares them all).
const (
	groupsShown         = 30
	groupCampaignsShown = 4
)

// showGroups is the task groups page: every group with its newest
// campaigns side by side.
func (s *Server) showGroups(c *gin.Context) {
	ctx := c.Request.Context()
	gs, err := s.store.TaskGroups(ctx, groupsShown)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := stats.GroupsView{}
	for _, g := range gs {
		sum := stats.GroupSummary{Name: g.Name, URL: "/groups/" + url.PathEscape(g.Name), Campaigns: num(g.Campaigns), CampaignsN: g.Campaigns}
		cs, _, err := s.store.ListCampaigns(ctx, models.CampaignFilter{Group: g.Name, Limit: groupCampaignsShown})
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, cm := range cs {
			f, err := s.engine.CampaignFunnel(ctx, cm)
			if err != nil {
				s.fail(c, err)
				return
			}
			sum.Newest = append(sum.Newest, stats.GroupCampaign{ID: cm.ID, URL: fmt.Sprintf("/campaigns/%d/stats", cm.ID), Name: cm.Name,
				Status: string(cm.Status), NoneAccepted: noneAccepted(cm), Total: funnelRow(f.Totals)})
		}
		v.Groups = append(v.Groups, sum)
	}
	s.render(c, http.StatusOK, stats.Groups(v))
}
