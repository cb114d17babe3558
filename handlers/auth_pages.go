package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

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

// login checks the password and starts a session. Failures are throttled
// per (account, client) and per client, never per account alone: a
// stranger's failures must not lock the real operator out from elsewhere.
func (s *Server) login(c *gin.Context) {
	ctx := c.Request.Context()
	email, valid := loginAddress(c.PostForm("email"))
	v := auth.LoginView{Email: c.PostForm("email"), Next: safeNext(c.PostForm("next"))}
	if !valid {
		// Whatever was typed is kept out of the database and the page.
		v.Email = ""
	}
	client := c.ClientIP()
	keys := []models.ThrottleKeyPolicy{
		{Key: models.ThrottleKey("account", email, client), Policy: s.cfg.Throttle},
		{Key: models.ThrottleKey("client", client), Policy: s.cfg.clientThrottle()},
	}
	for _, k := range keys {
		until, err := s.store.LoginLockedUntil(ctx, k.Key)
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
	u, err := models.User{}, error(models.ErrNotFound)
	if valid {
		u, err = s.store.Authenticate(ctx, email, c.PostForm("password"))
	}
	if errors.Is(err, models.ErrNotFound) {
		s.loginFailed(c, v, email, keys)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, k := range keys {
		if err := s.store.ClearLoginFailures(ctx, k.Key); err != nil {
			s.log.Warn("clear login failures", slog.Any("error", err))
		}
	}
	// Audited first: a sign-in that cannot be recorded gets no session.
	if !s.auditAs(c, u.Email, "login", u.Email, "") {
		return
	}
	if err := s.startSession(c, u); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, v.Next)
}

// loginFailed counts a failed login against every throttle key and answers 401.
func (s *Server) loginFailed(c *gin.Context, v auth.LoginView, email string, keys []models.ThrottleKeyPolicy) {
	ctx := c.Request.Context()
	// Fails closed: a failure that cannot be counted must not leave the
	// caller free to try again unthrottled.
	for _, k := range keys {
		if _, err := s.store.RecordLoginFailure(ctx, k.Key, k.Policy); err != nil {
			s.fail(c, err)
			return
		}
	}
	// What was typed may be a password pasted in the wrong box: record it
	// only when it is shaped like an address.
	who := "unknown"
	if email != invalidAddress {
		who = email
	}
	if !s.auditAs(c, who, "login_failed", who, "") {
		return
	}
	v.Error = i18n.T(ctx, "login.failed")
	s.render(c, http.StatusUnauthorized, auth.Login(v))
}

// invalidAddress stands for every typed address that is not one: they
// share one throttle key, and nothing of what was typed is stored.
const invalidAddress = "<invalid>"

// loginAddress normalises a typed address. Anything that is not a plain
// address of at most 254 bytes (the longest an SMTP path allows) is
// invalidAddress and not valid.
func loginAddress(typed string) (string, bool) {
	if len(typed) > 1024 {
		return invalidAddress, false
	}
	email := strings.ToLower(strings.TrimSpace(typed))
	if len(email) == 0 || len(email) > 254 {
		return invalidAddress, false
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return invalidAddress, false
	}
	return email, true
}

// startSession signs u in with a new session. A session the browser
// already presented is ended first (rotation), so a cookie planted before
// sign-in, or one of an earlier operator on this browser, is worth nothing.
func (s *Server) startSession(c *gin.Context, u models.User) error {
	ctx := c.Request.Context()
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		if err := s.store.DeleteSession(ctx, old); err != nil {
			return err
		}
	}
	tok, _, err := s.store.CreateSession(ctx, u.ID, s.cfg.SessionTTL, c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https", MaxAge: int(s.cfg.SessionMaxAge.Seconds()),
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
	if !s.audit(c, "logout", actor(c), "") {
		return
	}
	s.redirect(c, "/login")
}

// safeNext keeps a post-login redirect on this site. next must be a
// path on this host: one leading "/" (never "//"), no scheme, host or user,
// and no backslash, whitespace or control character, since browsers drop
// tabs and newlines and read a backslash as "/" (so "/\t/evil.example" would
// become "//evil.example"). Anything else leads to the dashboard.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' || strings.HasPrefix(next, "//") {
		return "/"
	}
	for _, r := range next {
		if r == '\\' || r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

// audit records an action by the current caller. It fails closed: when
// the entry cannot be written the request answers with an error (an action
// nobody can trace back must not look like a success), and audit reports
// false so the handler stops.
func (s *Server) audit(c *gin.Context, action, target, detail string) bool {
	return s.auditAs(c, actor(c), action, target, detail)
}

func (s *Server) auditAs(c *gin.Context, who, action, target, detail string) bool {
	if err := s.recordAudit(c, who, action, target, detail); err != nil {
		s.failFor(c, err)
		c.Abort()
		return false
	}
	return true
}

// recordAudit writes an audit entry, for callers that answer its error
// themselves.
func (s *Server) recordAudit(c *gin.Context, who, action, target, detail string) error {
	err := s.store.Audit(c.Request.Context(), models.AuditEntry{Actor: who, Action: action, Target: target, Detail: detail, IP: c.ClientIP()})
	if err != nil {
		return fmt.Errorf("handlers: audit %s: %w", action, err)
	}
	return nil
}
