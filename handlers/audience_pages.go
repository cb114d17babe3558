package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/audience"
)

// audienceRoutes are the device registry, segments and audience preview.
func (s *Server) audienceRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/audience", viewer, s.showAudience),
	}
}

func (s *Server) showAudience(c *gin.Context) {
	ctx := c.Request.Context()
	as, err := s.store.ListProviderAccounts(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	var v audience.View
	for _, a := range as {
		row := audience.Account{Name: a.Name, Kind: a.Kind, Devices: "0"}
		if a.Kind == "sandbox" {
			row.Devices, row.Note = num(10000), i18n.T(ctx, "audience.simulated")
		}
		v.Accounts = append(v.Accounts, row)
	}
	s.render(c, http.StatusOK, audience.Audience(v))
}
