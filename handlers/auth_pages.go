package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/auth"
)

// hasOperators reports whether the first-run setup is done.
func (s *Server) hasOperators(c *gin.Context) (bool, error) {
	n, err := s.store.CountUsers(c.Request.Context())
	return n > 0, err
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
	s.audit(c, "setup", u.Email, "first administrator created")
	if err := s.startSession(c, u); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, "success", "flash.welcome")
	c.Redirect(http.StatusSeeOther, "/")
}

func (s *Server) showLogin(c *gin.Context) {
	done, err := s.hasOperators(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !done {
		c.Redirect(http.StatusSeeOther, "/setup")
		return
	}
	s.render(c, http.StatusOK, auth.Login(auth.LoginView{Next: safeNext(c.Query("next"))}))
}

// login checks the password, throttling repeated failures per address and
// per client, and starts a session.
func (s *Server) login(c *gin.Context) {
	ctx := c.Request.Context()
	email := strings.ToLower(strings.TrimSpace(c.PostForm("email")))
	v := auth.LoginView{Email: c.PostForm("email"), Next: safeNext(c.PostForm("next"))}
	keys := []string{"email:" + email, "ip:" + c.ClientIP()}
	for _, k := range keys {
		until, err := s.store.LoginLockedUntil(ctx, k)
		if err != nil {
			s.fail(c, err)
			return
		}
		if !until.IsZero() {
			v.Error = i18n.T(ctx, "login.throttled", map[string]any{"Minutes": int(until.Sub(s.store.Now()).Minutes()) + 1})
			s.render(c, http.StatusTooManyRequests, auth.Login(v))
			return
		}
	}
	u, err := s.store.Authenticate(ctx, email, c.PostForm("password"))
	if errors.Is(err, models.ErrNotFound) {
		for _, k := range keys {
			if _, err := s.store.RecordLoginFailure(ctx, k, s.cfg.Throttle); err != nil {
				s.log.Error("record login failure", slog.Any("error", err))
			}
		}
		// What was typed may be a password pasted in the wrong box: record it
		// only when it is shaped like an address.
		who := "unknown"
		if a, err := mail.ParseAddress(email); err == nil && a.Address == email && len(email) <= 254 {
			who = email
		}
		s.auditAs(c, who, "login_failed", who, "")
		v.Error = i18n.T(ctx, "login.failed")
		s.render(c, http.StatusUnauthorized, auth.Login(v))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, k := range keys {
		if err := s.store.ClearLoginFailures(ctx, k); err != nil {
			s.log.Warn("clear login failures", slog.Any("error", err))
		}
	}
	if err := s.startSession(c, u); err != nil {
		s.fail(c, err)
		return
	}
	s.auditAs(c, u.Email, "login", u.Email, "")
	c.Redirect(http.StatusSeeOther, v.Next)
}

func (s *Server) startSession(c *gin.Context, u models.User) error {
	tok, _, err := s.store.CreateSession(c.Request.Context(), u.ID, s.cfg.SessionTTL, c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https", MaxAge: int(s.cfg.SessionTTL.Seconds()),
	})
	return nil
}

func (s *Server) logout(c *gin.Context) {
	if tok, err := c.Cookie(sessionCookie); err == nil {
		if err := s.store.DeleteSession(c.Request.Context(), tok); err != nil {
			s.fail(c, err)
			return
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	s.audit(c, "logout", actor(c), "")
	s.redirect(c, "/login")
}

// safeNext keeps a post-login redirect on this site.
func safeNext(n string) string {
	if n == "" || !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") {
		return "/"
	}
	return n
}

// audit records an action by the current caller.
func (s *Server) audit(c *gin.Context, action, target, detail string) {
	s.auditAs(c, actor(c), action, target, detail)
}

func (s *Server) auditAs(c *gin.Context, who, action, target, detail string) {
	err := s.store.Audit(c.Request.Context(), models.AuditEntry{Actor: who, Action: action, Target: target, Detail: detail, IP: c.ClientIP()})
	if err != nil {
		s.log.Error("audit", slog.Any("error", err), slog.String("action", action))
	}
}
