package dispatch

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/dispatch/render"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Send starts a draft: scheduled when its schedule_at is in the future,
// otherwise frozen into batches and sending. Forbidden transitions return
// *models.TransitionError (ErrConflict).
func (e *Engine) Send(ctx context.Context, id int64, actor string) (models.Campaign, error) {
	c, err := e.store.CampaignByID(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Status == models.StatusDraft && c.ScheduleAt != nil && c.ScheduleAt.After(e.store.Now()) {
		return e.store.Transition(ctx, id, models.StatusScheduled, actor, "")
	}
	return e.start(ctx, c, actor)
}

// start moves a draft or scheduled campaign to sending; the planner then
// freezes its audience into batches (resuming after a crash) and the
// workers send them.
func (e *Engine) start(ctx context.Context, c models.Campaign, actor string) (models.Campaign, error) {
	if c.Status != models.StatusDraft && c.Status != models.StatusScheduled {
		return c, &models.TransitionError{From: c.Status, To: models.StatusSending}
	}
	acct, err := e.store.ProviderAccountByID(ctx, c.ProviderID)
	if err != nil {
		return c, err
	}
	p, err := e.clients.get(ctx, acct)
	if err != nil {
		return c, err
	}
	if _, err := planMode(c.Audience, p.Capabilities()); err != nil {
		return c, err
	}
	out, err := e.store.Transition(ctx, c.ID, models.StatusSending, actor, "")
	if err != nil {
		return c, err
	}
	e.log.Info("campaign sending", slog.Int64("campaign", c.ID), slog.String("audience", c.Audience.Kind), slog.String("actor", actor))
	e.signal(ctx, topicPlan)
	return out, nil
}

// Pause stops claiming the campaign's batches; in-flight ones finish.
func (e *Engine) Pause(ctx context.Context, id int64, actor string) (models.Campaign, error) {
	return e.store.Transition(ctx, id, models.StatusPaused, actor, "")
}

// Resume continues a paused campaign.
func (e *Engine) Resume(ctx context.Context, id int64, actor string) (models.Campaign, error) {
	c, err := e.store.CampaignByID(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Status != models.StatusPaused {
		return c, &models.TransitionError{From: c.Status, To: models.StatusSending}
	}
	c, err = e.store.Transition(ctx, id, models.StatusSending, actor, "")
	if err == nil {
		e.signal(ctx, topicSend)
	}
	return c, err
}

// Cancel stops a campaign for good; unsent recipients end as failed.
func (e *Engine) Cancel(ctx context.Context, id int64, actor string) (models.Campaign, error) {
	return e.store.CancelCampaign(ctx, id, actor, "")
}

// TestResult is the provider's answer to a test send.
type TestResult struct {
	RequestID string
	TaskID    string
	Outcomes  []providers.Outcome
}

// TestSend sends the campaign's message to the given client ids now,
// synchronously, without touching its audience or counters.
func (e *Engine) TestSend(ctx context.Context, id int64, cids []string) (TestResult, error) {
	cids = draft.Dedupe(cids)
	v := &models.ValidationError{}
	if len(cids) == 0 {
		v.Add("cids", "err.required", nil)
	} else if len(cids) > 100 {
		v.Add("cids", "err.too_many", map[string]any{"Max": 100})
	}
	if err := v.Err(); err != nil {
		return TestResult{}, err
	}
	c, err := e.store.CampaignByID(ctx, id)
	if err != nil {
		return TestResult{}, err
	}
	d, err := draft.Of(c)
	if err != nil {
		return TestResult{}, err
	}
	acct, err := e.store.ProviderAccountByID(ctx, c.ProviderID)
	if err != nil {
		return TestResult{}, err
	}
	p, err := e.clients.get(ctx, acct)
	if err != nil {
		return TestResult{}, err
	}
	kind := providers.AudienceCID
	if !p.Capabilities().Supports(kind) {
		kind = providers.AudienceUserID
	}
	reqID := fmt.Sprintf("pdt%s%dt%d", c.Nonce, c.ID, time.Now().UnixMilli()%1_000_000_000)
	if tpl, _ := render.Parse(messageOf(d)); tpl.Personal() {
		return e.testSendPersonal(ctx, acct, p, tpl, reqID, kind, cids)
	}
	res, err := p.Send(ctx, providers.SendRequest{RequestID: reqID, Message: messageOf(d), Target: providers.Target{Kind: kind, Values: cids}})
	e.send.recordHealth(ctx, acct.ID, err)
	if err != nil {
		return TestResult{RequestID: reqID}, err
	}
	return TestResult{RequestID: reqID, TaskID: res.TaskID, Outcomes: res.Outcomes}, nil
}
