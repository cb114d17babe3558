package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/settings"
)

// settingsRoutes are the operator's settings, operators, API keys and the
// audit log.
func (s *Server) settingsRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/settings", viewer, s.showSettings),
		page(http.MethodPost, "/settings/language", viewer, s.saveLanguage),
	}
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
