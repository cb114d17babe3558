package handlers

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
)

const (
	sessionCookie = "pushdeck_session"
	ctxUser       = "pushdeck.user"
	ctxSession    = "pushdeck.session"
	ctxRole       = "pushdeck.role"
	ctxActor      = "pushdeck.actor"
	ctxAPIKeyID   = "pushdeck.apikey"
)

// localize picks the language (the operator's setting, else
// Accept-Language) and puts the localizer and request info in the request
// context for the templates.
func (s *Server) localize() gin.HandlerFunc {
	return func(c *gin.Context) {
		pref := ""
		if u, ok := c.Get(ctxUser); ok {
			pref = u.(models.User).Locale
		}
		lang := s.cat.Match(pref, c.GetHeader("Accept-Language"))
		ctx := i18n.WithLocalizer(c.Request.Context(), s.cat.Localizer(lang))
		req := web.Request{Path: c.Request.URL.Path, Flash: s.takeFlash(c)}
		if sess, ok := c.Get(ctxSession); ok {
			req.CSRF = sess.(models.Session).CSRFToken
		}
		if u, ok := c.Get(ctxUser); ok {
			user := u.(models.User)
			req.Viewer = &web.Viewer{ID: user.ID, Email: user.Email, Role: string(user.Role),
				CanEdit: user.Role.AtLeast(models.RoleOperator), IsAdmin: user.Role == models.RoleAdmin}
		}
		c.Request = c.Request.WithContext(web.WithRequest(ctx, req))
		c.Next()
	}
}

// requireSession admits a request with a live session cookie. Without one
// it leads to first-run setup (no operator yet) or to the login page.
func (s *Server) requireSession() gin.HandlerFunc {
	loc := s.localize()
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		tok, err := c.Cookie(sessionCookie)
		if err == nil && tok != "" {
			sw, err := s.store.SessionByToken(ctx, tok)
			if err == nil {
				if err := s.store.TouchSession(ctx, sw.Session, s.cfg.SessionTTL, s.cfg.SessionMaxAge); err != nil {
					s.log.Warn("touch session", slog.Any("error", err))
				}
				c.Set(ctxUser, sw.User)
				c.Set(ctxSession, sw.Session)
				c.Set(ctxRole, sw.User.Role)
				c.Set(ctxActor, sw.User.Email)
				loc(c)
				return
			}
			if !errors.Is(err, models.ErrNotFound) {
				s.fail(c, err)
				c.Abort()
				return
			}
		}
		dest := "/login"
		if n, err := s.store.CountUsers(ctx); err == nil && n == 0 {
			dest = "/setup"
		} else if c.Request.Method == http.MethodGet {
			dest += "?next=" + url.QueryEscape(c.Request.URL.RequestURI())
		}
		s.redirect(c, dest)
		c.Abort()
	}
}

// requireCSRF checks the session's token on every state-changing page
// request: a form field or the X-CSRF-Token header htmx sends.
func (s *Server) requireCSRF() gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			c.Next()
			return
		}
		sess := c.MustGet(ctxSession).(models.Session)
		got := c.GetHeader("X-CSRF-Token")
		if got == "" {
			got = c.PostForm("csrf_token")
			trackForm(c)
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			s.log.Warn("csrf token mismatch", slog.String("path", c.Request.URL.Path))
			c.String(http.StatusForbidden, i18n.T(c.Request.Context(), "error.csrf"))
			c.Abort()
			return
		}
		c.Next()
	}
}

// requireAPIKey admits a request with a live `Authorization: Bearer` key.
func (s *Server) requireAPIKey() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			apiError(c, http.StatusUnauthorized, "unauthorized", "missing bearer API key", nil)
			c.Abort()
			return
		}
		k, err := s.store.APIKeyByToken(c.Request.Context(), strings.TrimSpace(tok))
		if err != nil {
			if errors.Is(err, models.ErrNotFound) {
				apiError(c, http.StatusUnauthorized, "unauthorized", "invalid or revoked API key", nil)
			} else {
				s.fail(c, err)
			}
			c.Abort()
			return
		}
		c.Set(ctxRole, k.Role)
		c.Set(ctxActor, "apikey:"+k.Name)
		c.Set(ctxAPIKeyID, k.ID)
		ctx := i18n.WithLocalizer(c.Request.Context(), s.cat.Localizer("en"))
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// requireRole refuses a caller whose role is below min: a 403 page or a
// JSON error.
func (s *Server) requireRole(min models.Role, api bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, _ := c.Get(ctxRole)
		role, _ := r.(models.Role)
		if role.AtLeast(min) {
			c.Next()
			return
		}
		if api {
			apiError(c, http.StatusForbidden, "forbidden", "this API key's role may not do this", nil)
		} else {
			s.render(c, http.StatusForbidden, forbiddenPage())
		}
		c.Abort()
	}
}

// actor names who acts, for events and the audit log.
func actor(c *gin.Context) string { return c.GetString(ctxActor) }

func currentUser(c *gin.Context) models.User {
	u, _ := c.Get(ctxUser)
	user, _ := u.(models.User)
	return user
}

// redirect sends a browser elsewhere: HX-Redirect for htmx, else 303.
func (s *Server) redirect(c *gin.Context, to string) {
	if c.GetHeader("HX-Request") == "true" {
		c.Header("HX-Redirect", to)
		c.Status(http.StatusNoContent)
		return
	}
	c.Redirect(http.StatusSeeOther, to)
}

func (s *Server) recoverer() gin.HandlerFunc {
	return gin.CustomRecovery(func(c *gin.Context, err any) {
		s.log.Error("panic", slog.Any("error", err), slog.String("path", c.Request.URL.Path))
		c.AbortWithStatus(http.StatusInternalServerError)
	})
}

func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		if c.Request.URL.Path == "/healthz" || strings.HasPrefix(c.Request.URL.Path, "/static/") {
			return
		}
		s.log.Debug("request", slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()), slog.Duration("took", time.Since(start)))
	}
}
