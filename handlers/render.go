package handlers

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/auth"
)

// render writes a component. templ.Handler buffers, so a failed render
// never sends half a page.
func (s *Server) render(c *gin.Context, status int, cmp templ.Component) {
	c.Header("Vary", "HX-Request")
	h := templ.Handler(cmp, templ.WithStatus(status), templ.WithErrorHandler(func(r *http.Request, err error) http.Handler {
		s.log.Error("render", slog.Any("error", err), slog.String("path", r.URL.Path))
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Internal error", http.StatusInternalServerError)
		})
	}))
	h.ServeHTTP(c.Writer, c.Request)
}

// isPartial reports an htmx request that wants a fragment (not a history
// restore, which needs the whole page).
func isPartial(c *gin.Context) bool {
	return c.GetHeader("HX-Request") == "true" && c.GetHeader("HX-History-Restore-Request") != "true"
}

func forbiddenPage() templ.Component { return auth.Forbidden() }

// fail is the one error path of the pages: not found → 404, conflict → 409,
// anything else → logged and a generic 500 (never err.Error()).
func (s *Server) fail(c *gin.Context, err error) {
	ctx := c.Request.Context()
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.render(c, http.StatusNotFound, auth.Problem(i18n.T(ctx, "error.not_found_title"), i18n.T(ctx, "error.not_found")))
	case errors.Is(err, models.ErrConflict):
		s.render(c, http.StatusConflict, auth.Problem(i18n.T(ctx, "error.conflict_title"), conflictText(ctx, err)))
	case errors.Is(err, models.ErrUnreadableSecret):
		s.render(c, http.StatusConflict, auth.Problem(i18n.T(ctx, "error.conflict_title"), i18n.T(ctx, "providers.credentials_unreadable")))
	default:
		s.log.Error("request failed", slog.Any("error", err), slog.String("path", c.Request.URL.Path))
		s.render(c, http.StatusInternalServerError, auth.Problem(i18n.T(ctx, "error.internal_title"), i18n.T(ctx, "error.internal")))
	}
}

func (s *Server) notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		apiError(c, http.StatusNotFound, "not_found", "no such route", nil)
		return
	}
	s.localize()(c)
	if !c.IsAborted() {
		s.render(c, http.StatusNotFound, auth.Problem(i18n.T(c.Request.Context(), "error.not_found_title"), i18n.T(c.Request.Context(), "error.not_found")))
	}
}

// fieldErrors translates a validation error's fields for a form.
func fieldErrors(c *gin.Context, v *models.ValidationError) web.Errors {
	out := web.Errors{}
	for k, fe := range v.Fields {
		out[k] = i18n.T(c.Request.Context(), fe.ID, fe.Data)
	}
	return out
}

// providerFailure says in the operator's language what went wrong with a
// call to a provider or with the account's client (dispatch.FailureOf):
// "refused" only when the provider answered with a refusal; a timeout, an
// unreachable provider or unusable settings read as such.
func providerFailure(ctx context.Context, err error) string {
	return failureText(ctx, dispatch.FailureOf(err))
}

// failureText renders a dispatch.Failure, each unusable setting in the
// operator's language.
func failureText(ctx context.Context, f dispatch.Failure) string {
	args := f.Args
	if len(f.Problems) > 0 {
		parts := make([]string, len(f.Problems))
		for i, p := range f.Problems {
			parts[i] = p.Field + " " + i18n.T(ctx, p.MsgID, p.Args)
		}
		args = map[string]any{"Message": strings.Join(parts, "; ")}
	}
	return i18n.T(ctx, f.ID, args)
}

// isProviderFailure reports whether err is the provider's answer or the
// account's unusable settings: the operator is told (providerFailure), it
// is no internal error.
func isProviderFailure(err error) bool {
	var pe *providers.Error
	var ce *providers.ConfigError
	return errors.As(err, &pe) || errors.As(err, &ce)
}

// Flash messages travel in a short-lived cookie holding "kind:message-id".

const flashCookie = "pushdeck_flash"

func (s *Server) flash(c *gin.Context, kind, msgID string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + msgID))
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: v, Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil})
}

func (s *Server) takeFlash(c *gin.Context) []web.Flash {
	v, err := c.Cookie(flashCookie)
	if err != nil || v == "" {
		return nil
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	kind, id, ok := strings.Cut(string(raw), ":")
	if !ok || (kind != "success" && kind != "error" && kind != "info") || !strings.HasPrefix(id, "flash.") {
		return nil
	}
	// Translated later by the template's localizer; the id is never user input.
	return []web.Flash{{Kind: kind, Text: id}}
}

func conflictText(ctx context.Context, err error) string {
	var te *models.TransitionError
	if errors.As(err, &te) {
		return i18n.T(ctx, "flash.transition_refused")
	}
	return i18n.T(ctx, "error.conflict")
}
