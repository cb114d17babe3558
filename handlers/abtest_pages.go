package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
	"github.com/pushdeck/pushdeck/web/pages/stats"
)

// variantsView compares an A/B campaign's variants for its statistics
// page; nil for a campaign without variants.
func (s *Server) variantsView(ctx context.Context, cm models.Campaign) (*stats.VariantsView, error) {
	if cm.Variants == "" {
		return nil, nil
	}
	res, err := s.engine.ABResults(ctx, cm)
	if err != nil {
		return nil, err
	}
	v := &stats.VariantsView{Count: len(res.Variants), Metric: judgedBy(ctx, res.Metric), Note: confidenceNote(ctx, res)}
	v.Phase = abPhaseText(ctx, cm)
	if (cm.ABPhase == models.ABWait || cm.ABPhase == models.ABChoose) && cm.Status == models.StatusSending {
		v.PickURL = fmt.Sprintf("/campaigns/%d/winner", cm.ID)
	}
	// The leader is marked only when it is ahead: a tie leads nothing.
	ahead := res.Compared.RunnerUp >= 0 && res.Compared.Diff > 0
	for _, r := range res.Variants {
		row := stats.VariantRow{Index: strconv.Itoa(r.Index), Name: r.Name, Share: fmt.Sprintf("%d%%", r.Share), Recipients: num(r.Totals.Recipients),
			Sent: "—", Received: "—", Displayed: "—", Clicked: "—", Rate: "—",
			Winner: r.Index == res.Winner, Leader: r.Index == res.Leader && res.Winner < 0 && ahead}
		if r.Polled {
			row.Sent, row.Received, row.Displayed, row.Clicked = num(r.Figures.Sent), num(r.Figures.Received), num(r.Figures.Displayed), num(r.Figures.Clicked)
		}
		if r.Polled || res.Metric == dispatch.MetricAccepted {
			row.Rate = pct(r.Successes, r.Trials)
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

// abPhaseText says where a test-first campaign is ("" before it starts).
func abPhaseText(ctx context.Context, cm models.Campaign) string {
	switch cm.ABPhase {
	case models.ABSample:
		return i18n.T(ctx, "abtest.phase_sample")
	case models.ABWait:
		return i18n.T(ctx, "abtest.phase_wait", map[string]any{"When": whenPtr(cm.ABDecideAt)})
	case models.ABChoose:
		return i18n.T(ctx, "abtest.phase_choose")
	case models.ABRest:
		return i18n.T(ctx, "abtest.phase_rest", map[string]any{"Who": cm.ABDecidedBy})
	}
	return ""
}

// judgedBy says which rate judges the variants.
func judgedBy(ctx context.Context, metric string) string {
	switch metric {
	case dispatch.MetricAccepted:
		return i18n.T(ctx, "abtest.judged_accepted")
	case draft.MetricReceived:
		return i18n.T(ctx, "abtest.judged_received")
	}
	return i18n.T(ctx, "abtest.judged_click")
}

// confidenceNote words the z-test of the leader against the runner-up:
// "not enough data" while either sample is small.
func confidenceNote(ctx context.Context, res dispatch.ABResults) string {
	cmp := res.Compared
	if cmp.RunnerUp < 0 || len(res.Variants) < 2 {
		return ""
	}
	if !cmp.Enough {
		return i18n.T(ctx, "abtest.not_enough")
	}
	data := map[string]any{"Leader": res.Variants[res.Leader].Name, "RunnerUp": res.Variants[cmp.RunnerUp].Name,
		"Diff": fmt.Sprintf("%.1f", cmp.Diff*100), "P": fmt.Sprintf("%.3f", cmp.P)}
	if cmp.P < 0.05 {
		return i18n.T(ctx, "abtest.significant", data)
	}
	return i18n.T(ctx, "abtest.not_significant", data)
}

// pickWinner is an operator's pick from the statistics page.
func (s *Server) pickWinner(c *gin.Context) {
	cm, ok := s.loadCampaign(c)
	if !ok {
		return
	}
	back := fmt.Sprintf("/campaigns/%d/stats", cm.ID)
	variant, err := strconv.Atoi(c.PostForm("variant"))
	if err != nil {
		variant = -1 // not a variant: refused like one the campaign lacks
	}
	_, err = s.engine.ChooseWinner(c.Request.Context(), cm.ID, variant, actor(c))
	var ve *models.ValidationError
	switch {
	case err == nil:
		if !s.audit(c, auditCampaignWinner, fmt.Sprintf("campaign:%d", cm.ID), fmt.Sprintf("variant %d", variant)) {
			return
		}
		s.flash(c, "success", "flash.ab_picked")
	case errors.Is(err, models.ErrConflict), errors.As(err, &ve):
		s.flash(c, "error", "flash.ab_no_pick")
	default:
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, back)
}

// abSummary lists an A/B campaign's variants for its page (nil without).
func abSummary(ctx context.Context, cm models.Campaign, d draft.Draft) templ.Component {
	if len(d.Variants) == 0 {
		return nil
	}
	v := campaigns.ABSummaryView{StatsURL: fmt.Sprintf("/campaigns/%d/stats", cm.ID), Phase: abPhaseText(ctx, cm)}
	if t := d.Options.ABTest; t != nil {
		v.Test = i18n.T(ctx, "abtest.test_summary", map[string]any{"Sample": t.SamplePercent, "N": (t.WaitSeconds + 59) / 60})
	}
	loc := d.Options.Location()
	first := sectionOf(d.Variants[0].Message, loc)
	for i, vr := range d.Variants {
		row := campaigns.ABSummaryVariant{Name: vr.Name, Share: fmt.Sprintf("%d%%", vr.Share),
			Title: vr.Message.Title, Body: vr.Message.Body, Winner: cm.ABWinner != nil && *cm.ABWinner == i}
		// Beyond title and body, what this variant changes of the first's
		// message: the page shows what the test is about.
		s := sectionOf(vr.Message, loc)
		for _, f := range s.Differs(first) {
			if f.Name == "title" || f.Name == "body" {
				continue
			}
			val := s.Get(f.Name)
			if f.Type == "checkbox" {
				val = i18n.T(ctx, map[bool]string{true: "abconsole.on", false: "abconsole.off"}[val != ""])
			}
			row.Other = append(row.Other, campaigns.Detail{Label: i18n.T(ctx, f.Label), Value: val})
		}
		v.Variants = append(v.Variants, row)
	}
	return campaigns.ABSummary(v)
}
