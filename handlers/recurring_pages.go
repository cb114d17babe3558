package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/recurring"
)

// recurringRoutes are the recurring campaigns' pages and API.
func (s *Server) recurringRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/campaigns/:id/repeat", operator, s.showRepeatForm),
		page(http.MethodPost, "/campaigns/:id/repeat", operator, s.saveRepeat),
		page(http.MethodGet, "/recurring/:id", viewer, s.showRecurring),
		page(http.MethodPost, "/recurring/:id/pause", operator, s.recurringPageAction),
		page(http.MethodPost, "/recurring/:id/resume", operator, s.recurringPageAction),
		page(http.MethodPost, "/recurring/:id/end", operator, s.recurringPageAction),
		page(http.MethodPost, "/recurring/:id/delete", operator, s.recurringPageAction),

		api(http.MethodGet, "/recurring", viewer, s.apiListRecurring),
		api(http.MethodPost, "/recurring", operator, s.apiCreateRecurring),
		api(http.MethodGet, "/recurring/:id", viewer, s.apiGetRecurring),
		api(http.MethodPost, "/recurring/:id/pause", operator, s.apiRecurringAction),
		api(http.MethodPost, "/recurring/:id/resume", operator, s.apiRecurringAction),
		api(http.MethodPost, "/recurring/:id/end", operator, s.apiRecurringAction),
		api(http.MethodDelete, "/recurring/:id", operator, s.apiDeleteRecurring),
	}
}

// zoneTime shows t in the rule's zone, named, to the minute.
func zoneTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04") + " " + loc.String()
}

// scheduleText words a rule in the operator's language.
func scheduleText(ctx context.Context, r dispatch.RepeatRule) string {
	var days []string
	for _, d := range r.Days {
		days = append(days, i18n.T(ctx, recurring.DayID(strings.ToLower(d))))
	}
	data := map[string]any{"At": r.At, "Days": strings.Join(days, ", "), "Day": r.Day, "Cron": r.Cron, "Zone": r.Timezone}
	text := i18n.T(ctx, recurring.RuleID(r.Every), data)
	if r.Count > 0 {
		text += " · " + i18n.T(ctx, "recurring.rule_count", map[string]any{"Count": r.Count, "N": r.Count})
	}
	return text
}

// recurringSection is the campaign list's section of definitions.
func (s *Server) recurringSection(ctx context.Context) (recurring.SectionView, error) {
	rs, err := s.store.ListRecurring(ctx, 0, 100)
	if err != nil {
		return recurring.SectionView{}, err
	}
	var v recurring.SectionView
	for _, r := range rs {
		def, err := dispatch.RecurringOf(r)
		if err != nil {
			return v, err
		}
		v.Rows = append(v.Rows, recurring.Row{URL: fmt.Sprintf("/recurring/%d", r.ID), Name: r.Name, Schedule: scheduleText(ctx, def.Rule),
			Next: zoneTime(r.NextRunAt, def.Rule.Location()), Runs: strconv.Itoa(r.Runs), Status: r.Status})
	}
	return v, nil
}

func (s *Server) showRecurring(c *gin.Context) {
	ctx := c.Request.Context()
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	r, err := s.store.RecurringByID(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	def, err := dispatch.RecurringOf(r)
	if err != nil {
		s.fail(c, err)
		return
	}
	runs, err := s.store.RecurringRuns(ctx, id, maxRunList)
	if err != nil {
		s.fail(c, err)
		return
	}
	names, err := s.providerNames(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	loc := def.Rule.Location()
	v := recurring.ShowView{ID: r.ID, Name: r.Name, Provider: names[r.ProviderID], Schedule: scheduleText(ctx, def.Rule),
		Next: zoneTime(r.NextRunAt, loc), Status: r.Status, RunCount: r.Runs,
		CanPause: r.Status == models.RecurringActive, CanResume: r.Status == models.RecurringPaused, CanEnd: r.Status != models.RecurringEnded}
	if r.EndsAt != nil {
		v.Ends = zoneTime(r.EndsAt, loc)
	}
	if field, id, ok := strings.Cut(r.LastError, ": "); ok {
		v.LastError = i18n.T(ctx, "recurring.skipped", map[string]any{"Field": field, "Why": i18n.T(ctx, id)})
	}
	for _, cm := range runs {
		v.Runs = append(v.Runs, recurring.RunRow{URL: fmt.Sprintf("/campaigns/%d", cm.ID), Name: cm.Name, Slot: zoneTime(cm.RunSlot, loc),
			Status: string(cm.Status), Recipients: num(cm.Recipients), Accepted: num(cm.Accepted)})
	}
	s.render(c, http.StatusOK, recurring.Show(v))
}

func (s *Server) recurringPageAction(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	action := path.Base(c.Request.URL.Path)
	if action == "delete" {
		r, err := s.store.RecurringByID(c.Request.Context(), id)
		if err == nil {
			err = s.store.DeleteRecurring(c.Request.Context(), id)
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		if s.audit(c, auditRecurringDelete, fmt.Sprintf("recurring:%d", id), r.Name) {
			s.flash(c, "success", "flash.recurring_delete")
			s.redirect(c, "/campaigns")
		}
		return
	}
	r, err := s.recurringAction(c, id, action)
	switch {
	case err == nil:
		if !s.auditRecurring(c, action, r) {
			return
		}
		s.flash(c, "success", "flash.recurring_"+action)
	case errors.Is(err, models.ErrConflict):
		s.flash(c, "error", "flash.transition_refused")
	default:
		s.fail(c, err)
		return
	}
	s.redirect(c, fmt.Sprintf("/recurring/%d", id))
}

// repeatDraft loads the draft campaign the path names; only a draft can
// be made to repeat.
func (s *Server) repeatDraft(c *gin.Context) (models.Campaign, draft.Draft, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return models.Campaign{}, draft.Draft{}, false
	}
	cm, err := s.store.CampaignByID(c.Request.Context(), id)
	if err == nil && cm.Status != models.StatusDraft {
		err = &models.TransitionError{From: cm.Status, To: models.StatusDraft}
	}
	var d draft.Draft
	if err == nil {
		d, err = draft.Of(cm)
	}
	if err != nil {
		s.fail(c, err)
		return cm, d, false
	}
	return cm, d, true
}

func (s *Server) showRepeatForm(c *gin.Context) {
	cm, d, ok := s.repeatDraft(c)
	if !ok {
		return
	}
	zone := d.Options.Timezone
	if zone == "" {
		zone = "UTC"
	}
	v := recurring.FormView{CampaignID: cm.ID, Name: cm.Name, Every: "daily", At: "09:00", Timezone: zone, Days: map[string]bool{"mon": true}, Day: "1"}
	s.renderRepeatForm(c, http.StatusOK, v)
}

func (s *Server) renderRepeatForm(c *gin.Context, status int, v recurring.FormView) {
	zones := timezones
	if v.Timezone != "" && !slices.Contains(zones, v.Timezone) {
		zones = append([]string{v.Timezone}, zones...)
	}
	for _, z := range zones {
		v.Timezones = append(v.Timezones, web.Option{Value: z, Label: strings.ReplaceAll(z, "_", " ")})
	}
	s.render(c, status, recurring.Form(v))
}

func (s *Server) saveRepeat(c *gin.Context) {
	cm, d, ok := s.repeatDraft(c)
	if !ok {
		return
	}
	v, rule, ve := repeatForm(c, cm)
	if ve.Err() == nil {
		r, err := s.engine.CreateRecurring(c.Request.Context(), d, rule, actor(c))
		if err == nil {
			if s.audit(c, auditRecurringCreate, fmt.Sprintf("recurring:%d", r.ID), r.Name) {
				s.flash(c, "success", "flash.recurring_create")
				s.redirect(c, fmt.Sprintf("/recurring/%d", r.ID))
			}
			return
		}
		if !errors.As(err, &ve) {
			s.fail(c, err)
			return
		}
	}
	v.Errors = web.Errors{}
	for k, fe := range ve.Fields {
		field, isRule := strings.CutPrefix(k, "repeat.")
		if !isRule {
			// The draft itself no longer validates (its account was
			// disabled): the operator fixes it in the composer.
			field = "campaign"
		}
		v.Errors[field] = i18n.T(c.Request.Context(), fe.ID, fe.Data)
	}
	s.renderRepeatForm(c, http.StatusUnprocessableEntity, v)
}

// repeatForm reads the repeat form into its view (to render back) and a
// rule; problems of the form's own fields come back in the error.
func repeatForm(c *gin.Context, cm models.Campaign) (recurring.FormView, dispatch.RepeatRule, *models.ValidationError) {
	v := recurring.FormView{CampaignID: cm.ID, Name: cm.Name, Every: c.PostForm("every"), At: c.PostForm("at"), Day: c.PostForm("day"),
		Cron: c.PostForm("cron"), Timezone: c.PostForm("timezone"), Until: c.PostForm("until"), Count: c.PostForm("count"), Days: map[string]bool{}}
	rule := dispatch.RepeatRule{Every: v.Every, Timezone: v.Timezone}
	ve := &models.ValidationError{}
	switch v.Every {
	case "daily", "weekly", "monthly":
		rule.At = v.At
	case "cron":
		rule.Cron = v.Cron
	}
	for _, d := range c.PostFormArray("days") {
		v.Days[d] = true
		if v.Every == "weekly" {
			rule.Days = append(rule.Days, d)
		}
	}
	if v.Every == "monthly" {
		n, err := strconv.Atoi(strings.TrimSpace(v.Day))
		if err != nil {
			n = 0
		}
		rule.Day = n
	}
	if cnt := strings.TrimSpace(v.Count); cnt != "" {
		n, err := strconv.Atoi(cnt)
		if err != nil {
			ve.Add("repeat.count", "err.range", map[string]any{"Min": 0, "Max": dispatch.MaxRepeatCount})
		}
		rule.Count = n
	}
	if u := strings.TrimSpace(v.Until); u != "" {
		loc := dispatch.RepeatRule{Timezone: v.Timezone}.Location()
		t, err := time.ParseInLocation("2006-01-02T15:04", u, loc)
		if err != nil {
			ve.Add("repeat.until", "err.repeat_until", nil)
		} else {
			t = t.UTC()
			rule.Until = &t
		}
	}
	return v, rule, ve
}
