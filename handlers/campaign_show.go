package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

func (s *Server) loadCampaign(c *gin.Context) (models.Campaign, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return models.Campaign{}, false
	}
	cm, err := s.store.CampaignByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return cm, false
	}
	return cm, true
}

func (s *Server) showCampaign(c *gin.Context) {
	cm, ok := s.loadCampaign(c)
	if !ok {
		return
	}
	v, err := s.campaignView(c.Request.Context(), cm)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, campaigns.Show(v))
}

func (s *Server) campaignView(ctx context.Context, cm models.Campaign) (campaigns.ShowView, error) {
	d, err := draft.Of(cm)
	if err != nil {
		return campaigns.ShowView{}, err
	}
	acct, err := s.store.ProviderAccountByID(ctx, cm.ProviderID)
	if err != nil {
		return campaigns.ShowView{}, err
	}
	evs, err := s.store.CampaignEvents(ctx, cm.ID)
	if err != nil {
		return campaigns.ShowView{}, err
	}
	prog, err := s.progress(ctx, cm)
	if err != nil {
		return campaigns.ShowView{}, err
	}
	provider := acct.Name + " (" + i18n.T(ctx, "kind."+acct.Kind) + ")"
	caps, _ := s.reg.Capabilities(providers.Kind(acct.Kind))
	v := campaigns.ShowView{
		ID: cm.ID, Name: cm.Name, Provider: provider, Audience: s.audienceText(ctx, cm.Audience),
		Type: string(d.Message.Type), Title: d.Message.Title, Body: d.Message.Body, Group: cm.GroupName,
		Created: when(cm.CreatedAt), Schedule: whenPtr(cm.ScheduleAt),
		Details: append(messageDetails(ctx, d), optionDetails(ctx, caps.Options, d.Message.Options)...), Preview: previewOf(ctx, acct.Kind, d.Message),
		Actions:  s.actionsView(ctx, cm, prog.Figures),
		Progress: prog.View,
		Test:     campaigns.TestView{ID: cm.ID},
	}
	if v.Due, err = s.dueSection(ctx, cm, d, acct); err != nil {
		return campaigns.ShowView{}, err
	}
	v.AB = abSummary(ctx, cm, d)
	if cm.TemplateID != nil {
		t, err := s.store.TemplateByID(ctx, *cm.TemplateID)
		if err != nil {
			return v, err
		}
		v.TemplateName, v.TemplateURL = t.Name, fmt.Sprintf("/templates/%d", t.ID)
	}
	if cm.ScheduleAt != nil && d.Options.Timezone != "" && d.Options.Timezone != "UTC" {
		v.ScheduleLocal = describeZone(*cm.ScheduleAt, d.Options.Timezone)
	}
	for _, e := range evs {
		v.Events = append(v.Events, campaigns.Event{When: when(e.CreatedAt), From: string(e.FromStatus), To: string(e.ToStatus), Actor: e.Actor, Reason: e.Reason})
	}
	return v, nil
}

// pace fills done, rate (recipients per second since sending started,
// until now or the end) and, while sending, the time left at the rate the
// engine sends it at (effective: the account's rate, capped by the
// campaign's speed), or at the rate so far when that is unknown (0).
func pace(ctx context.Context, p *campaigns.ProgressView, cm models.Campaign, effective float64) {
	t := cm.Totals()
	done := t.Recipients - t.Pending
	p.Done = num(done)
	if cm.StartedAt == nil || done <= 0 {
		return
	}
	end := time.Now()
	if cm.FinishedAt != nil {
		end = *cm.FinishedAt
	}
	secs := end.Sub(*cm.StartedAt).Seconds()
	if secs <= 0 {
		return
	}
	rate := float64(done) / secs
	p.Rate = i18n.T(ctx, "figures.per_second", map[string]any{"Rate": rateText(rate)})
	if cm.Status == models.StatusSending && t.Pending > 0 {
		if effective > 0 {
			rate = effective
		}
		p.ETA = time.Duration(float64(t.Pending) / rate * float64(time.Second)).Round(time.Second).String()
	}
}

// rateText shows a rate with one decimal below 100 and as a whole number
// (with separators) above.
func rateText(r float64) string {
	if r < 100 {
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return num(int64(r + 0.5))
}

// liveProgress is the live block with the figures it shows.
type liveProgress struct {
	View    campaigns.ProgressView
	Figures models.Figures
}

// progress is the live block: the recipients' figures for listed
// audiences, provider figures for every campaign that has a report.
func (s *Server) progress(ctx context.Context, cm models.Campaign) (liveProgress, error) {
	fig, err := s.engine.CampaignFigures(ctx, cm.ID)
	if err != nil {
		return liveProgress{}, err
	}
	fails, err := s.store.CampaignFailures(ctx, cm.ID)
	if err != nil {
		return liveProgress{}, err
	}
	f := models.FiguresOf(cm.Totals(), models.UnsentOf(fails), nil)
	p := campaigns.ProgressView{
		ID: cm.ID, Status: string(cm.Status), Reason: reasonText(ctx, cm), NoneAccepted: noneAccepted(cm), Listed: f.Recipients > 0, AB: abState(cm),
		Recipients: num(f.Recipients), Pending: num(f.Pending), Accepted: num(f.Accepted), Invalid: num(f.Invalid), Failed: num(f.Failed),
		Polled: fig.Polled, Stale: fig.Stale, Total: channelRow(ctx, fig.Total),
	}
	if f.Unsent > 0 {
		p.Unsent = num(f.Unsent)
	}
	if f.Recipients > 0 {
		p.Percent = int((f.Recipients - f.Pending) * 100 / f.Recipients)
	}
	for _, ch := range fig.Channels {
		p.Channels = append(p.Channels, channelRow(ctx, ch))
	}
	var effective float64
	if cm.Status == models.StatusSending {
		if r, err := s.engine.CampaignRate(ctx, cm); err == nil {
			effective = r
		}
	}
	pace(ctx, &p, cm, effective)
	for _, fl := range fails {
		p.Failures = append(p.Failures, campaigns.Failure{Status: fl.Status, Code: fl.Code, Message: fl.Message, Count: num(fl.N)})
	}
	retries, err := s.campaignRetries(ctx, cm)
	if err != nil {
		return liveProgress{}, err
	}
	p.Retry = retryView(ctx, retries, time.Now())
	// Live while sending, and for a few minutes after, while the provider's
	// report is still filling in.
	recent := cm.FinishedAt != nil && time.Since(*cm.FinishedAt) < 3*time.Minute
	p.Live = cm.Status == models.StatusSending || cm.Status == models.StatusScheduled || (cm.Status == models.StatusCompleted && recent)
	p.Finished = cm.Status.Terminal()
	return liveProgress{View: p, Figures: f}, nil
}

func channelRow(ctx context.Context, ch providers.ChannelStats) campaigns.Channel {
	name := ch.Channel
	if name == "total" {
		name = i18n.T(ctx, "figures.total")
	}
	return campaigns.Channel{Name: name, Target: num(ch.Target), Sent: num(ch.Sent), Received: num(ch.Received),
		Displayed: num(ch.Displayed), Clicked: num(ch.Clicked)}
}

// showProgress is the htmx partial the detail page polls.
func (s *Server) showProgress(c *gin.Context) {
	cm, ok := s.loadCampaign(c)
	if !ok {
		return
	}
	if !isPartial(c) {
		c.Redirect(http.StatusSeeOther, c.Request.URL.Path[:strings.LastIndex(c.Request.URL.Path, "/")])
		return
	}
	ctx := c.Request.Context()
	lp, err := s.progress(ctx, cm)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := lp.View
	p.Refresh = true
	p.Actions = s.actionsView(ctx, cm, lp.Figures)
	p.Actions.OOB = true
	s.render(c, http.StatusOK, campaigns.Progress(p))
}

// testSendPage sends the campaign's message to typed client ids now and
// shows each recipient's outcome.
func (s *Server) testSendPage(c *gin.Context) {
	cm, ok := s.loadCampaign(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	t := campaigns.TestView{ID: cm.ID, CIDs: c.PostForm("cids")}
	res, err := s.engine.TestSend(ctx, cm.ID, splitValues(t.CIDs))
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		for _, fe := range ve.Fields {
			t.Error = i18n.T(ctx, fe.ID, fe.Data)
		}
	case isProviderFailure(err):
		t.Error = providerFailure(ctx, err)
	case err != nil:
		s.fail(c, err)
		return
	default:
		t.Done = true
		if !s.audit(c, "campaign_test", "campaign:"+c.Param("id"), strings.Join(splitValues(t.CIDs), ",")) {
			return
		}
		t.Outcomes = testOutcomes(splitValues(t.CIDs), res)
	}
	status := http.StatusOK
	if t.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	if isPartial(c) {
		if status != http.StatusOK {
			// htmx swaps 2xx only by default; the form with its error is still the answer.
			c.Header("HX-Reswap", "outerHTML")
			status = http.StatusOK
		}
		s.render(c, status, campaigns.TestSend(t))
		return
	}
	v, err := s.campaignView(ctx, cm)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Test = t
	s.render(c, status, campaigns.Show(v))
}

// testOutcomes lists one line per recipient: the provider's outcome, or
// accepted when it said nothing about that recipient.
func testOutcomes(cids []string, res dispatch.TestResult) []campaigns.TestOutcome {
	by := map[string]providers.Outcome{}
	for _, o := range res.Outcomes {
		by[o.Recipient] = o
	}
	seen := map[string]bool{}
	var out []campaigns.TestOutcome
	for _, cid := range cids {
		if seen[cid] {
			continue
		}
		seen[cid] = true
		o, ok := by[cid]
		if !ok {
			o = providers.Outcome{Recipient: cid, Status: providers.StatusAccepted}
		}
		out = append(out, campaigns.TestOutcome{Recipient: cid, Status: string(o.Status), Code: o.Code, Message: o.Message})
	}
	return out
}
