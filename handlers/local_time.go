package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	provpages "github.com/pushdeck/pushdeck/web/pages/providers"
	"github.com/pushdeck/pushdeck/web/pages/schedule"
)

// localTimeRoutes are the account's quiet hours, page and API.
func (s *Server) localTimeRoutes() []Route {
	return []Route{
		page(http.MethodPost, "/providers/:id/quiet-hours", admin, s.saveQuietHours),
		api(http.MethodGet, "/providers/:id/quiet-hours", viewer, s.apiGetQuietHours),
		api(http.MethodPut, "/providers/:id/quiet-hours", admin, s.apiPutQuietHours),
	}
}

// maxDueHours is how many hours the campaign page's due table lists.
const maxDueHours = 72

// dueSection is the campaign page's "due when" table, for campaigns sent
// at a local time or marked marketing; nil for the others.
func (s *Server) dueSection(ctx context.Context, cm models.Campaign, d draft.Draft, acct models.ProviderAccount) (templ.Component, error) {
	if d.Options.LocalTime == "" && !d.Options.Marketing {
		return nil, nil
	}
	hours, err := s.store.CampaignDueHours(ctx, cm.ID, maxDueHours)
	if err != nil {
		return nil, err
	}
	loc := d.Options.Location()
	v := schedule.DueView{}
	if d.Options.LocalTime != "" {
		v.LocalTime = i18n.T(ctx, "due.local_time", map[string]any{"At": d.Options.LocalTime, "Zone": loc.String()})
	}
	if d.Options.Marketing && acct.QuietStart != "" {
		v.Quiet = i18n.T(ctx, "due.quiet", map[string]any{"Start": acct.QuietStart, "End": acct.QuietEnd})
	}
	for _, h := range hours {
		v.Rows = append(v.Rows, schedule.DueRow{Hour: h.Hour.In(loc).Format("2006-01-02 15:04") + " " + loc.String(),
			UTC: h.Hour.UTC().Format("2006-01-02 15:04"), Batches: num(h.Batches), Recipients: num(h.Recipients)})
	}
	return schedule.Due(v), nil
}

// quietForm reads and checks quiet hours: both set, or both empty.
func quietForm(start, end string) (string, string, *models.ValidationError) {
	v := &models.ValidationError{}
	start, end = strings.TrimSpace(start), strings.TrimSpace(end)
	for field, val := range map[string]string{"start": start, "end": end} {
		if val == "" {
			continue
		}
		if t, err := time.Parse("15:04", val); err != nil || t.Format("15:04") != val {
			v.Add(field, "err.repeat_at", nil)
		}
	}
	if (start == "") != (end == "") {
		if start == "" {
			v.Add("start", "err.required", nil)
		} else {
			v.Add("end", "err.required", nil)
		}
	}
	if start != "" && start == end {
		v.Add("end", "err.quiet_empty", nil)
	}
	return start, end, v
}

// quietSection is the account edit page's quiet-hours form.
func quietSection(a models.ProviderAccount, start, end string, errs web.Errors) templ.Component {
	return schedule.Quiet(schedule.QuietView{Action: fmt.Sprintf("/providers/%d/quiet-hours", a.ID), Start: start, End: end, Errors: errs})
}

func (s *Server) saveQuietHours(c *gin.Context) {
	a, ok := s.loadProvider(c)
	if !ok {
		return
	}
	start, end, ve := quietForm(c.PostForm("quiet_start"), c.PostForm("quiet_end"))
	if ve.Err() != nil {
		v, _, err := s.editForm(c, a)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Quiet = quietSection(a, start, end, fieldErrors(c, ve))
		s.render(c, http.StatusUnprocessableEntity, provpages.Form(v))
		return
	}
	if _, err := s.store.SetQuietHours(c.Request.Context(), a.ID, start, end); err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, auditProviderUpdate, providerTarget(a), "quiet_hours") {
		return
	}
	s.flash(c, "success", "flash.quiet_saved")
	s.redirect(c, fmt.Sprintf("/providers/%d/edit", a.ID))
}

// apiQuiet is an account's quiet hours in the API; empty strings: none.
type apiQuiet struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func (s *Server) apiGetQuietHours(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		apiError(c, http.StatusNotFound, "not_found", "no such resource", nil)
		return
	}
	a, err := s.store.ProviderAccountByID(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, apiQuiet{Start: a.QuietStart, End: a.QuietEnd})
}

func (s *Server) apiPutQuietHours(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		apiError(c, http.StatusNotFound, "not_found", "no such resource", nil)
		return
	}
	var body apiQuiet
	if !s.decodeJSON(c, &body) {
		return
	}
	start, end, ve := quietForm(body.Start, body.End)
	if err := ve.Err(); err != nil {
		s.apiFail(c, err)
		return
	}
	a, err := s.store.SetQuietHours(c.Request.Context(), id, start, end)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditProviderUpdate, providerTarget(a), "quiet_hours") {
		return
	}
	c.JSON(http.StatusOK, apiQuiet{Start: a.QuietStart, End: a.QuietEnd})
}
