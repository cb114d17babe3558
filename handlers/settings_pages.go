package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/settings"
)

// settingsRoutes are the operator's own settings (every role) and, for
// administrators, operators, API keys and the audit log.
func (s *Server) settingsRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/settings", viewer, s.showSettings),
		page(http.MethodGet, "/settings/api", viewer, s.showAPIRef),
		page(http.MethodPost, "/settings/language", viewer, s.saveLanguage),
		page(http.MethodPost, "/settings/password", viewer, s.changePassword),

		page(http.MethodGet, "/settings/operators", admin, s.showOperators),
		page(http.MethodPost, "/settings/operators", admin, s.createOperator),
		page(http.MethodPost, "/settings/operators/:id/role", admin, s.setOperatorRole),
		page(http.MethodPost, "/settings/operators/:id/password", admin, s.resetOperatorPassword),
		page(http.MethodPost, "/settings/operators/:id/disable", admin, s.setOperatorDisabled),
		page(http.MethodPost, "/settings/operators/:id/enable", admin, s.setOperatorDisabled),

		page(http.MethodGet, "/settings/apikeys", admin, s.showAPIKeys),
		page(http.MethodPost, "/settings/apikeys", admin, s.createAPIKey),
		page(http.MethodPost, "/settings/apikeys/:id/revoke", admin, s.revokeAPIKey),

		page(http.MethodGet, "/settings/audit", admin, s.showAudit),
	}
}

func (s *Server) settingsView(c *gin.Context) settings.View {
	u := currentUser(c)
	v := settings.View{Locale: u.Locale, Email: u.Email, Name: u.Name, Role: string(u.Role)}
	v.Languages = append(v.Languages, web.Option{Value: "", Label: i18n.T(c.Request.Context(), "settings.browser_language")})
	for _, l := range i18n.Supported {
		v.Languages = append(v.Languages, web.Option{Value: l.Tag, Label: l.Name})
	}
	return v
}

func (s *Server) showSettings(c *gin.Context) {
	s.render(c, http.StatusOK, settings.Settings(s.settingsView(c)))
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

// changePassword is any operator changing their own password: the current
// one is required, and their other sessions end (this one stays).
func (s *Server) changePassword(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	sess := c.MustGet(ctxSession).(models.Session)
	next := c.PostForm("password")
	var err error
	if next != c.PostForm("password_confirm") {
		v := &models.ValidationError{}
		v.Add("password_confirm", "err.password_mismatch", nil)
		err = v
	} else {
		err = s.store.ChangePassword(ctx, u.ID, c.PostForm("current_password"), next, sess.ID)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		v := s.settingsView(c)
		v.PasswordErrors = fieldErrors(c, ve)
		s.render(c, http.StatusUnprocessableEntity, settings.Settings(v))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "password_change", u.Email, "") {
		return
	}
	s.flash(c, "success", "flash.password_changed")
	s.redirect(c, "/settings")
}
