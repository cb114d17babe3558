package handlers

import (
	"context"
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/stats"
)

// statsRoutes are the statistics pages and API.
func (s *Server) statsRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/campaigns/:id/stats", viewer, s.showCampaignStats),
		page(http.MethodPost, "/campaigns/:id/winner", operator, s.pickWinner),
		page(http.MethodGet, "/campaigns/:id/deliveries.csv", viewer, s.exportDeliveries),
		page(http.MethodGet, "/groups", viewer, s.showGroups),
		page(http.MethodGet, "/groups/:name", viewer, s.showGroup),
		page(http.MethodGet, "/dashboard/live", viewer, s.showDashboardLive),
		api(http.MethodGet, "/campaigns/:id/stats", viewer, s.apiCampaignStats),
		api(http.MethodGet, "/campaigns/:id/deliveries.csv", viewer, s.exportDeliveries),
		api(http.MethodGet, "/groups/:name/stats", viewer, s.apiGroupStats),
	}
}

var deliveryFilters = []string{"", models.DeliveryAccepted, models.DeliveryInvalid, models.DeliveryFailed, models.DeliveryPending}

func validDeliveryStatus(st string) bool {
	for _, f := range deliveryFilters {
		if st == f {
			return true
		}
	}
	return false
}

func (s *Server) showCampaignStats(c *gin.Context) {
	cm, ok := s.loadCampaign(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	f, err := s.engine.CampaignFunnel(ctx, cm)
	if err != nil {
		s.fail(c, err)
		return
	}
	series, err := s.store.SnapshotSeries(ctx, cm.ID, 200)
	if err != nil {
		s.fail(c, err)
		return
	}
	st := c.Query("status")
	if !validDeliveryStatus(st) {
		st = ""
	}
	ds, next, err := s.store.ListDeliveries(ctx, cm.ID, models.DeliveryFilter{Status: st, After: c.Query("after"), Limit: 50})
	if err != nil {
		s.fail(c, err)
		return
	}
	v := stats.CampaignView{ID: cm.ID, Name: cm.Name, Status: string(cm.Status), NoneAccepted: noneAccepted(cm), Group: cm.GroupName, Reported: f.Reported, Stale: f.Stale,
		Total: totalRow(ctx, f.Totals), Filter: st, Filters: deliveryFilters, Chart: campaignChart(ctx, series),
		CSVURL: fmt.Sprintf("/campaigns/%d/deliveries.csv", cm.ID), CampaignURL: fmt.Sprintf("/campaigns/%d", cm.ID)}
	if f.UpdatedAt != nil {
		v.UpdatedAt = when(*f.UpdatedAt)
	}
	if cm.GroupName != "" {
		v.GroupURL = "/groups/" + url.PathEscape(cm.GroupName)
	}
	if v.Variants, err = s.variantsView(ctx, cm); err != nil {
		s.fail(c, err)
		return
	}
	for _, ch := range f.Channels {
		v.Rows = append(v.Rows, funnelRow(ch))
	}
	acct, err := s.store.ProviderAccountByID(ctx, cm.ProviderID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if caps, _ := s.reg.Capabilities(providers.Kind(acct.Kind)); caps.DailyAppStats {
		ws, err := s.appStats(ctx, acct)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.WeCom = &ws
	}
	for _, fc := range f.Failures {
		v.Failures = append(v.Failures, stats.Failure{Status: fc.Status, Code: fc.Code, Message: outcomeText(ctx, fc.Message), N: num(fc.N)})
	}
	for _, d := range ds {
		v.Deliveries = append(v.Deliveries, stats.Delivery{CID: d.Recipient, Status: d.Status, Code: d.Code, Message: outcomeText(ctx, d.Message), RequestID: d.RequestID, UpdatedAt: when(d.UpdatedAt)})
	}
	if next != "" {
		q := url.Values{"after": {next}}
		if st != "" {
			q.Set("status", st)
		}
		v.NextURL = fmt.Sprintf("/campaigns/%d/stats?%s#deliveries", cm.ID, q.Encode())
	}
	s.render(c, http.StatusOK, stats.Campaign(v))
}

// funnelRow formats a funnel line with its step rates.
func funnelRow(f models.ChannelFigures) stats.Row {
	return stats.Row{Channel: f.Channel, Target: num(f.Target), Sent: num(f.Sent), Received: num(f.Received), Displayed: num(f.Displayed),
		Clicked: num(f.Clicked), Invalid: num(f.Invalid), Failed: num(f.Failed), Unsent: num(f.Unsent), ReceivedRate: pct(f.Received, f.Sent), DisplayedRate: pct(f.Displayed, f.Received),
		ClickedRate: pct(f.Clicked, f.Displayed)}
}

// totalRow is the funnel's total line, labelled in the operator's language.
func totalRow(ctx context.Context, f models.ChannelFigures) stats.Row {
	r := funnelRow(f)
	r.Channel = i18n.T(ctx, "figures.total")
	return r
}

// campaignChart lays out received / displayed / clicked over time; each
// line has its own dash pattern so it reads without colour.
func campaignChart(ctx context.Context, pts []models.SnapshotPoint) stats.Chart {
	var ch stats.Chart
	if len(pts) == 0 {
		return ch
	}
	rec := stats.ChartSeries{Label: i18n.T(ctx, "figures.received")}
	dis := stats.ChartSeries{Label: i18n.T(ctx, "figures.displayed"), Dash: []int{8, 4}}
	clk := stats.ChartSeries{Label: i18n.T(ctx, "figures.clicked"), Dash: []int{2, 4}}
	for _, p := range pts {
		ch.X = append(ch.X, p.At.Unix())
		rec.Data = append(rec.Data, p.Received)
		dis.Data = append(dis.Data, p.Displayed)
		clk.Data = append(clk.Data, p.Clicked)
	}
	ch.Series = []stats.ChartSeries{rec, dis, clk}
	return ch
}

// exportDeliveries streams a campaign's delivery log as CSV in constant
// memory, for pages (session) and the API (key) alike.
func (s *Server) exportDeliveries(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.failFor(c, models.ErrNotFound)
		return
	}
	cm, err := s.store.CampaignHead(c.Request.Context(), id)
	if err != nil {
		s.failFor(c, err)
		return
	}
	st := c.Query("status")
	if !validDeliveryStatus(st) {
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"status": "must be one of pending, accepted, invalid, failed"})
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%d-deliveries.csv"`, cm.ID))
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	en := s.englishOutcomes()
	// The variant comes last, so a reader of the columns before it reads
	// them where it always did.
	if err := w.Write([]string{"cid", "status", "code", "message", "request_id", "updated_at", "variant"}); err != nil {
		return
	}
	names := variantNames(cm)
	err = s.store.StreamDeliveries(c.Request.Context(), cm.ID, st, func(ds []models.Delivery) error {
		for _, d := range ds {
			rec := []string{d.Recipient, d.Status, d.Code, en.text(d.Message), d.RequestID, d.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z"),
				variantName(names, d.Variant)}
			for i := range rec {
				rec[i] = csvSafe(rec[i])
			}
			if err := w.Write(rec); err != nil {
				return fmt.Errorf("write csv: %w", err)
			}
		}
		w.Flush()
		return w.Error()
	})
	if err != nil {
		// Headers are sent; the truncated file is the signal. Log it.
		s.log.Error("export deliveries", slog.Int64("campaign", cm.ID), slog.Any("error", err))
	}
	w.Flush()
}

// csvSafe neutralises spreadsheet formulas: a cell starting with = + - @
// (or a tab or carriage return) gets a leading apostrophe, as OWASP
// recommends for CSV injection. Quoting of commas, quotes and newlines is
// encoding/csv's job.
func csvSafe(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + v
	}
	return v
}

// failFor answers an error in the caller's format: JSON under /api/, a page
// otherwise.
func (s *Server) failFor(c *gin.Context, err error) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		s.apiFail(c, err)
		return
	}
	s.fail(c, err)
}

// groupFunnels loads a task group's campaigns (newest first, at most 50)
// with their funnels.
func (s *Server) groupFunnels(ctx context.Context, name string) ([]models.Campaign, []dispatch.Funnel, error) {
	cs, _, err := s.store.ListCampaigns(ctx, models.CampaignFilter{Group: name, Limit: 50})
	if err != nil {
		return nil, nil, err
	}
	fs := make([]dispatch.Funnel, len(cs))
	for i, cm := range cs {
		if fs[i], err = s.engine.CampaignFunnel(ctx, cm); err != nil {
			return nil, nil, err
		}
	}
	return cs, fs, nil
}

func (s *Server) showGroup(c *gin.Context) {
	ctx := c.Request.Context()
	name := c.Param("name")
	cs, fs, err := s.groupFunnels(ctx, name)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := stats.GroupView{Name: name}
	var series [][]models.SnapshotPoint
	for i, cm := range cs {
		v.Campaigns = append(v.Campaigns, stats.GroupCampaign{ID: cm.ID, URL: fmt.Sprintf("/campaigns/%d/stats", cm.ID), Name: cm.Name,
			Status: string(cm.Status), NoneAccepted: noneAccepted(cm), Total: funnelRow(fs[i].Totals)})
		pts, err := s.store.SnapshotSeries(ctx, cm.ID, 100)
		if err != nil {
			s.fail(c, err)
			return
		}
		series = append(series, pts)
	}
	v.Chart = groupChart(cs, series)
	reports, err := s.engine.GroupReports(ctx, name)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, r := range reports {
		v.Reports = append(v.Reports, providerReport(ctx, r))
	}
	s.render(c, http.StatusOK, stats.Group(v))
}

// groupChart draws each campaign's received count against the time since
// its first report, so campaigns sent at different times line up.
func groupChart(cs []models.Campaign, series [][]models.SnapshotPoint) stats.Chart {
	var ch stats.Chart
	longest := 0
	for i := range series {
		if len(series[i]) > len(series[longest]) {
			longest = i
		}
	}
	if len(series) == 0 || len(series[longest]) == 0 {
		return ch
	}
	t0 := series[longest][0].At
	for _, p := range series[longest] {
		ch.X = append(ch.X, int64(p.At.Sub(t0).Seconds()))
	}
	dashes := [][]int{nil, {8, 4}, {2, 4}, {12, 4, 2, 4}}
	for i, cm := range cs {
		line := stats.ChartSeries{Label: cm.Name, Dash: dashes[i%len(dashes)]}
		for j := range ch.X {
			var v int64
			if n := len(series[i]); n > 0 {
				v = series[i][min(j, n-1)].Received
			}
			line.Data = append(line.Data, v)
		}
		ch.Series = append(ch.Series, line)
	}
	return ch
}

// providerReport formats a provider's task-group report: per channel and
// in total, with the step rates of the campaign funnel.
func providerReport(ctx context.Context, r dispatch.GroupReport) stats.ProviderReport {
	v := stats.ProviderReport{Account: r.Account, Kind: r.Kind, Polled: r.TakenAt != nil, Poll: pollState(r.PollState)}
	if r.TakenAt == nil {
		return v
	}
	v.TakenAt = when(*r.TakenAt)
	for _, ch := range r.Channels {
		v.Rows = append(v.Rows, funnelRow(reportFigures(ch)))
	}
	v.Total = totalRow(ctx, reportFigures(r.Total))
	return v
}

func reportFigures(ch providers.ChannelStats) models.ChannelFigures {
	return models.ChannelFigures{Channel: ch.Channel, Target: ch.Target, Sent: ch.Sent, Received: ch.Received, Displayed: ch.Displayed, Clicked: ch.Clicked}
}

func pollState(p models.PollState) stats.PollState {
	return stats.PollState{Stale: p.Stale, LastError: p.LastError, LastErrorAt: whenPtr(p.LastErrorAt)}
}

// appStats returns the daily app figures of an account whose provider has
// no other statistics, shown beside a campaign's funnel and never in it.
func (s *Server) appStats(ctx context.Context, acct models.ProviderAccount) (stats.AppStats, error) {
	days, err := s.store.LatestAccountStats(ctx, acct.ID)
	if err != nil {
		return stats.AppStats{}, err
	}
	v := stats.AppStats{Account: acct.Name}
	for _, d := range days {
		day := stats.AppDay{Key: "today", Polled: d.Good.ID != 0, Poll: pollState(d.PollState)}
		if d.Day == 1 {
			day.Key = "yesterday"
		}
		if day.Polled {
			day.Date, day.App, day.Count, day.TakenAt = d.Good.StatDate, d.Good.AppName, num(d.Good.Count), when(d.Good.TakenAt)
		}
		v.Days = append(v.Days, day)
	}
	return v, nil
}
