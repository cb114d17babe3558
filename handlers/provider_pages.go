package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/web/pages/providers"
)

// providerRoutes are the provider-account pages and API.
func (s *Server) providerRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/providers", viewer, s.showProviders),
		api(http.MethodGet, "/providers", viewer, s.apiListProviders),
	}
}

func (s *Server) showProviders(c *gin.Context) {
	as, err := s.store.ListProviderAccounts(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	var v providers.ListView
	for _, a := range as {
		v.Rows = append(v.Rows, providers.Row{ID: a.ID, Name: a.Name, Kind: a.Kind, BaseURL: a.BaseURL, Disabled: a.Disabled,
			LastOK: whenPtr(a.LastOKAt), LastError: a.LastError})
	}
	s.render(c, http.StatusOK, providers.List(v))
}
