package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// apiProvider is a provider account as the API shows it: never credentials.
type apiProvider struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Kind      string  `json:"kind"`
	BaseURL   string  `json:"base_url"`
	Disabled  bool    `json:"disabled"`
	LastOKAt  *string `json:"last_ok_at"`
	LastError string  `json:"last_error"`
	CreatedAt string  `json:"created_at"`
}

func (s *Server) apiListProviders(c *gin.Context) {
	as, err := s.store.ListProviderAccounts(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	items := make([]apiProvider, 0, len(as))
	for _, a := range as {
		p := apiProvider{ID: a.ID, Name: a.Name, Kind: a.Kind, BaseURL: a.BaseURL, Disabled: a.Disabled, LastError: a.LastError,
			CreatedAt: a.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")}
		if a.LastOKAt != nil {
			t := a.LastOKAt.UTC().Format("2006-01-02T15:04:05Z07:00")
			p.LastOKAt = &t
		}
		items = append(items, p)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": nil})
}
