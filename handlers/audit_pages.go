package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/settings"
)

// auditLabel is an action in the operator's language, or "" when the
// catalog has no label for it (an action added by a later feature shows
// its code alone rather than a raw message id).
func auditLabel(ctx context.Context, action string) string {
	id := "audit.action." + action
	if l := i18n.T(ctx, id); l != id {
		return l
	}
	return ""
}

// showAudit is the audit log: newest first, filtered by action and actor,
// in keyset pages (?after=<id>).
func (s *Server) showAudit(c *gin.Context) {
	ctx := c.Request.Context()
	f := models.AuditFilter{Action: strings.TrimSpace(c.Query("action")), Actor: strings.TrimSpace(c.Query("actor")), Limit: 50}
	f.After, _ = strconv.ParseInt(c.Query("after"), 10, 64) // a bad cursor is the first page
	es, next, err := s.store.ListAuditPage(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	seen, err := s.store.AuditActions(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := settings.AuditView{Action: f.Action, Actor: f.Actor}
	// Every known action is offered even before it first happens, so an
	// administrator can see that none has.
	actions := AuditActions()
	for _, a := range seen {
		if !slices.Contains(actions, a) {
			actions = append(actions, a)
		}
	}
	for _, a := range actions {
		label := a
		if l := auditLabel(ctx, a); l != "" {
			label = l + " (" + a + ")"
		}
		v.Actions = append(v.Actions, web.Option{Value: a, Label: label})
	}
	for _, e := range es {
		v.Rows = append(v.Rows, settings.AuditRow{When: e.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"), Actor: e.Actor, Action: e.Action,
			Label: auditLabel(ctx, e.Action), Target: e.Target, Detail: e.Detail, IP: e.IP})
	}
	if next > 0 {
		q := url.Values{"after": {strconv.FormatInt(next, 10)}}
		if f.Action != "" {
			q.Set("action", f.Action)
		}
		if f.Actor != "" {
			q.Set("actor", f.Actor)
		}
		v.NextURL = "/settings/audit?" + q.Encode()
	}
	s.render(c, http.StatusOK, settings.Audit(v))
}
