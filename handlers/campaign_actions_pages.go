package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// actionsView is the campaign's action bar in its current state. Send
// says what it will do (schedule, or send now) and its confirmation names
// the recipients and the account; resend offers the failed recipients and,
// separately, the ones a cancel left unsent.
func (s *Server) actionsView(ctx context.Context, cm models.Campaign, fig models.Figures) campaigns.ActionsView {
	a := campaigns.ActionsView{ID: cm.ID, Status: string(cm.Status),
		CanSend:   cm.Status == models.StatusDraft || cm.Status == models.StatusScheduled,
		CanPause:  models.CanTransition(cm.Status, models.StatusPaused),
		CanResume: cm.Status == models.StatusPaused,
		CanCancel: models.CanTransition(cm.Status, models.StatusCancelled),
		CanEdit:   cm.Status == models.StatusDraft,
	}
	if cm.Status.Terminal() {
		if fig.Failed > 0 {
			a.Failed, a.FailedN = num(fig.Failed), fig.Failed
		}
		if fig.Unsent > 0 {
			a.Unsent, a.UnsentN = num(fig.Unsent), fig.Unsent
		}
	}
	if !a.CanSend {
		return a
	}
	a.Schedules = cm.Status == models.StatusDraft && cm.ScheduleAt != nil && cm.ScheduleAt.After(s.store.Now())
	data := map[string]any{"Provider": "", "When": whenPtr(cm.ScheduleAt), "Reach": s.reachText(ctx, cm)}
	if acct, err := s.store.ProviderAccountByID(ctx, cm.ProviderID); err == nil {
		data["Provider"] = acct.Name
	}
	switch {
	case a.Schedules:
		a.SendConfirm = i18n.T(ctx, "action.schedule_confirm", data)
	default:
		a.SendConfirm = i18n.T(ctx, "action.send_now_confirm", data)
	}
	return a
}

// reachText is who a send would reach: the exact count of a listed
// audience, or, where the provider resolves the audience itself, the
// devices registered here with that reach. A count that cannot be made
// (a deleted segment, or one that runs past the previews' deadline) says
// so; the send itself then explains why it is refused.
func (s *Server) reachText(ctx context.Context, cm models.Campaign) string {
	n, err := s.countPreview(ctx, cm.ProviderID, cm.Audience)
	if err != nil {
		s.log.Warn("count audience for the send confirmation", slog.Int64("campaign", cm.ID), slog.Any("error", err))
		return i18n.T(ctx, "action.reach_unknown")
	}
	acct, err := s.store.ProviderAccountByID(ctx, cm.ProviderID)
	if err == nil {
		native, nerr := s.nativeKind(ctx, acct, cm.Audience)
		if nerr == nil && native != "" {
			return i18n.T(ctx, "action.reach_native", map[string]any{"Count": n, "N": num(n)})
		}
	}
	return i18n.T(ctx, "action.reach_listed", map[string]any{"Count": n, "N": num(n)})
}

// actionOutcomes are the states a lifecycle action leads to: a repeated
// action (a double submit) that finds the campaign already there has done
// what was asked, and answers as a success.
var actionOutcomes = map[string][]models.Status{
	"send":   {models.StatusScheduled, models.StatusSending, models.StatusCompleted, models.StatusFailed},
	"pause":  {models.StatusPaused},
	"resume": {models.StatusSending, models.StatusCompleted},
	"cancel": {models.StatusCancelled},
}

// campaignAction runs send / pause / resume / cancel from the page buttons.
func (s *Server) campaignAction(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	action := path.Base(c.Request.URL.Path)
	back := fmt.Sprintf("/campaigns/%d", id)
	cm, err := s.runAction(c, id, action)
	var ve *models.ValidationError
	switch {
	case errors.Is(err, models.ErrConflict):
		now, lerr := s.store.CampaignHead(c.Request.Context(), id)
		if lerr != nil {
			s.fail(c, lerr)
			return
		}
		if !slices.Contains(actionOutcomes[action], now.Status) {
			s.flash(c, "error", "flash.transition_refused")
		} else if now.Status == models.StatusScheduled || now.Status == models.StatusSending || now.Status == models.StatusPaused || now.Status == models.StatusCancelled {
			s.flash(c, "success", actionFlash(action, now.Status))
		}
	case errors.As(err, &ve):
		s.flash(c, "error", "flash.cannot_send")
	case err != nil:
		s.fail(c, err)
		return
	default:
		s.flash(c, "success", actionFlash(action, cm.Status))
	}
	s.redirect(c, back)
}

// actionFlash is the message of an action that brought the campaign to
// status: Send on a draft with a future send time schedules it.
func actionFlash(action string, status models.Status) string {
	if action == "send" && status == models.StatusScheduled {
		return "flash.action_schedule"
	}
	return "flash.action_" + action
}

// runAction applies a lifecycle action and audits the transition it made
// (a send that scheduled the campaign is audited as a schedule).
func (s *Server) runAction(c *gin.Context, id int64, action string) (models.Campaign, error) {
	ctx, who := c.Request.Context(), actor(c)
	var cm models.Campaign
	var err error
	switch action {
	case "send":
		cm, err = s.engine.Send(ctx, id, who)
	case "pause":
		cm, err = s.engine.Pause(ctx, id, who)
	case "resume":
		cm, err = s.engine.Resume(ctx, id, who)
	case "cancel":
		cm, err = s.engine.Cancel(ctx, id, who)
	default:
		return cm, models.ErrNotFound
	}
	if err == nil {
		act := "campaign_" + action
		if action == "send" && cm.Status == models.StatusScheduled {
			act = auditCampaignSchedule
		}
		// The caller answers an audit failure like any other error.
		if aerr := s.recordAudit(c, actor(c), act, fmt.Sprintf("campaign:%d", id), ""); aerr != nil {
			return cm, aerr
		}
	}
	return cm, err
}
