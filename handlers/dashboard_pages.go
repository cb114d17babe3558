package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/dashboard"
)

func (s *Server) showDashboard(c *gin.Context) {
	ctx := c.Request.Context()
	v := dashboard.View{}
	now := s.store.Now()
	periods := []struct {
		id string
		d  time.Duration
	}{{"dashboard.period_24h", 24 * time.Hour}, {"dashboard.period_7d", 7 * 24 * time.Hour}, {"dashboard.period_30d", 30 * 24 * time.Hour}}
	since := make([]time.Time, len(periods))
	for i, p := range periods {
		since[i] = now.Add(-p.d)
	}
	totals, err := s.store.TotalsSince(ctx, since)
	if err != nil {
		s.fail(c, err)
		return
	}
	for i, t := range totals {
		f := t.Figures
		per := dashboard.Period{Label: i18n.T(ctx, periods[i].id), Campaigns: num(t.Campaigns), CampaignsN: t.Campaigns, Recipients: num(f.Recipients),
			Accepted: num(f.Accepted), Invalid: num(f.Invalid), Failed: num(f.Failed)}
		if f.Unsent > 0 {
			per.Unsent = num(f.Unsent)
		}
		v.Periods = append(v.Periods, per)
	}
	live, err := s.liveCampaigns(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Sending = live
	sched, err := s.store.CampaignsByStatus(ctx, models.StatusScheduled, 5)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, cm := range sched {
		v.Scheduled = append(v.Scheduled, dashboard.Live{ID: cm.ID, Name: cm.Name, Schedule: whenPtr(cm.ScheduleAt)})
	}
	if v.Recent, _, err = s.campaignRows(ctx, models.CampaignFilter{Limit: 10}); err != nil {
		s.fail(c, err)
		return
	}
	as, err := s.store.ListProviderAccounts(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, a := range as {
		acc := dashboard.Account{Name: a.Name, Kind: a.Kind, Disabled: a.Disabled, LastOK: whenPtr(a.LastOKAt), LastError: a.LastError}
		acc.Failing = a.LastErrorAt != nil && (a.LastOKAt == nil || a.LastErrorAt.After(*a.LastOKAt))
		if acc.LastError != "" {
			acc.LastError = whenPtr(a.LastErrorAt) + " " + acc.LastError
		}
		v.Accounts = append(v.Accounts, acc)
	}
	s.render(c, http.StatusOK, dashboard.Dashboard(v))
}

// liveCampaigns lists the campaigns sending now with their progress.
func (s *Server) liveCampaigns(ctx context.Context) ([]dashboard.Live, error) {
	cs, err := s.store.CampaignsByStatus(ctx, models.StatusSending, 10)
	if err != nil {
		return nil, err
	}
	out := make([]dashboard.Live, 0, len(cs))
	for _, cm := range cs {
		l := dashboard.Live{ID: cm.ID, Name: cm.Name, Done: num(cm.Recipients - cm.Pending), Total: num(cm.Recipients), AB: abState(cm)}
		if cm.Recipients > 0 {
			l.Percent = int((cm.Recipients - cm.Pending) * 100 / cm.Recipients)
		}
		out = append(out, l)
	}
	return out, nil
}

// showDashboardLive is the htmx partial of the campaigns sending now.
func (s *Server) showDashboardLive(c *gin.Context) {
	live, err := s.liveCampaigns(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, dashboard.LivePanel(live))
}
