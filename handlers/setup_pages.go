package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/auth"
)

// newSetupToken is the one-time token first-run setup asks for. Whoever
// reaches the port first must also have seen the server's output, so an
// exposed fresh install cannot be claimed by a stranger.
func newSetupToken() string {
	return rand.Text()
}

// SetupToken is the token /setup requires while no operator exists; the
// caller prints it at start (log and standard output).
func (s *Server) SetupToken() string { return s.setupToken }

// ShareSetupToken makes this server use the setup token stored in the
// database, storing its own when none is: several instances behind one
// load balancer then print and accept the same token. Call it before
// serving.
func (s *Server) ShareSetupToken(ctx context.Context) error {
	tok, err := s.store.SharedSetupToken(ctx, s.setupToken)
	if err != nil {
		return err
	}
	s.setupToken = tok
	return nil
}

// setupTokenOK compares the typed token in constant time.
func (s *Server) setupTokenOK(typed string) bool {
	typed = strings.TrimSpace(typed)
	return typed != "" && subtle.ConstantTimeCompare([]byte(typed), []byte(s.setupToken)) == 1
}

func (s *Server) showSetup(c *gin.Context) {
	done, err := s.hasOperators(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if done {
		c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	s.render(c, http.StatusOK, auth.Setup(auth.SetupView{}))
}

// saveSetup creates the first administrator and signs them in.
func (s *Server) saveSetup(c *gin.Context) {
	v := auth.SetupView{Email: strings.TrimSpace(c.PostForm("email")), Name: c.PostForm("name")}
	pw := c.PostForm("password")
	if done, err := s.hasOperators(c); err != nil || done {
		// Setup is over: the sign-in page, whatever the token.
		if err != nil {
			s.fail(c, err)
		} else {
			c.Redirect(http.StatusSeeOther, "/login")
		}
		return
	}
	if !s.setupTokenOK(c.PostForm("setup_token")) {
		v.Errors = map[string]string{"setup_token": i18n.T(c.Request.Context(), "err.setup_token")}
		s.render(c, http.StatusForbidden, auth.Setup(v))
		return
	}
	if pw != c.PostForm("password_confirm") {
		v.Errors = map[string]string{"password_confirm": i18n.T(c.Request.Context(), "err.password_mismatch")}
		s.render(c, http.StatusUnprocessableEntity, auth.Setup(v))
		return
	}
	u, err := s.store.CreateFirstAdmin(c.Request.Context(), models.NewUser{Email: v.Email, Name: v.Name, Password: pw, Locale: ""})
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		v.Errors = fieldErrors(c, ve)
		s.render(c, http.StatusUnprocessableEntity, auth.Setup(v))
		return
	case errors.Is(err, models.ErrConflict):
		c.Redirect(http.StatusSeeOther, "/login")
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	if !s.audit(c, "setup", u.Email, "first administrator created") {
		return
	}
	if err := s.startSession(c, u); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, "success", "flash.welcome")
	c.Redirect(http.StatusSeeOther, "/")
}
