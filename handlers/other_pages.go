package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/audience"
	"github.com/pushdeck/pushdeck/web/pages/dashboard"
	"github.com/pushdeck/pushdeck/web/pages/providers"
	"github.com/pushdeck/pushdeck/web/pages/settings"
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

func (s *Server) showSettings(c *gin.Context) {
	u := currentUser(c)
	v := settings.View{Locale: u.Locale, Email: u.Email, Role: string(u.Role)}
	v.Languages = append(v.Languages, web.Option{Value: "", Label: i18n.T(c.Request.Context(), "settings.browser_language")})
	for _, l := range i18n.Supported {
		v.Languages = append(v.Languages, web.Option{Value: l.Tag, Label: l.Name})
	}
	s.render(c, http.StatusOK, settings.Settings(v))
}

// saveLanguage stores the operator's language; every role may do this.
func (s *Server) saveLanguage(c *gin.Context) {
	loc := c.PostForm("locale")
	ok := loc == ""
	for _, l := range i18n.Supported {
		ok = ok || l.Tag == loc
	}
	if !ok {
		s.flash(c, "error", "flash.bad_language")
		s.redirect(c, "/settings")
		return
	}
	if err := s.store.SetUserLocale(c.Request.Context(), currentUser(c).ID, loc); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, "success", "flash.saved")
	s.redirect(c, "/settings")
}
