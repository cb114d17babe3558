package dispatch

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// abStore is what A/B tests need of the store: the waits that are over,
// the winner's choice, and each variant's figures.
type abStore interface {
	// ABWaitsOver lists sending campaigns whose A/B wait ended by now.
	ABWaitsOver(ctx context.Context, now time.Time) ([]models.Campaign, error)
	// AwaitWinner hands the pick to an operator (ErrConflict when the
	// campaign is no longer waiting).
	AwaitWinner(ctx context.Context, id int64) error
	// ChooseWinner records the winner and reopens the plan for the rest
	// (ErrConflict when the campaign takes no winner now).
	ChooseWinner(ctx context.Context, id int64, variant int, actor string) error
	// LatestVariantSnapshots returns each variant's newest good figures.
	LatestVariantSnapshots(ctx context.Context, campaignID int64) (map[int]models.VariantSnapshot, error)
}

// decideWinners picks the winners of the A/B tests whose wait is over, or
// hands the pick to an operator; it runs on the leader. The wait's end is
// stored, so a restart during the wait decides once the process runs
// again, and the pick is a conditional update, so it is taken once.
func (e *Engine) decideWinners(ctx context.Context) {
	cs, err := e.store.ABWaitsOver(ctx, e.store.Now())
	if err != nil {
		e.log.Error("A/B waits over", slog.Any("error", err))
		return
	}
	for _, c := range cs {
		if ctx.Err() != nil {
			return
		}
		if err := e.decide(ctx, c); err != nil && !errors.Is(err, models.ErrConflict) {
			e.log.Error("decide A/B winner", slog.Int64("campaign", c.ID), slog.Any("error", err))
		}
	}
}

// decide polls the variants' reports once more, then picks the variant
// with the best rate, or leaves the pick to an operator.
func (e *Engine) decide(ctx context.Context, c models.Campaign) error {
	d, err := draft.Of(c)
	if err != nil {
		return err
	}
	e.poll.pollCampaign(ctx, c)
	if d.Options.ABTest != nil && d.Options.ABTest.Confirm {
		if err := e.store.AwaitWinner(ctx, c.ID); err != nil {
			return err
		}
		e.log.Info("A/B test awaits its winner", slog.Int64("campaign", c.ID))
		return nil
	}
	res, err := e.ABResults(ctx, c)
	if err != nil {
		return err
	}
	e.log.Info("A/B winner picked", slog.Int64("campaign", c.ID), slog.Int("variant", res.Leader), slog.String("metric", res.Metric))
	return e.chooseWinner(ctx, c.ID, res.Leader, "engine")
}

// ChooseWinner sends the variant to the rest of a test-first campaign's
// audience: an operator's pick while the test waits or awaits its winner.
// A variant the campaign does not have is a *models.ValidationError on
// variant; a campaign that takes no winner now is ErrConflict.
func (e *Engine) ChooseWinner(ctx context.Context, id int64, variant int, actor string) (models.Campaign, error) {
	c, err := e.store.CampaignByID(ctx, id)
	if err != nil {
		return c, err
	}
	d, err := draft.Of(c)
	if err != nil {
		return c, err
	}
	if variant < 0 || variant >= len(d.Variants) {
		v := &models.ValidationError{}
		v.Add("variant", "err.range", map[string]any{"Min": 0, "Max": max(0, len(d.Variants)-1)})
		return c, v
	}
	if err := e.chooseWinner(ctx, id, variant, actor); err != nil {
		return c, err
	}
	return e.store.CampaignByID(ctx, id)
}

func (e *Engine) chooseWinner(ctx context.Context, id int64, variant int, actor string) error {
	if err := e.store.ChooseWinner(ctx, id, variant, actor); err != nil {
		return err
	}
	// The rest is planned by the leader, which may be another instance.
	e.signal(ctx, topicPlan)
	return nil
}

// abMetric is the metric a test is judged by on this provider: clicks
// where its reports count them, else received where it reports at all,
// else the accepted share the engine counts itself.
func (e *Engine) abMetric(ctx context.Context, c models.Campaign, want string) (string, error) {
	acct, err := e.store.ProviderAccountByID(ctx, c.ProviderID)
	if err != nil {
		return "", err
	}
	p, err := e.clients.get(ctx, acct)
	if err != nil {
		return "", err
	}
	if _, ok := p.(providers.Reporter); !ok {
		return MetricAccepted, nil
	}
	if want == draft.MetricReceived || !p.Capabilities().ReportsClicks {
		return draft.MetricReceived, nil
	}
	return draft.MetricClick, nil
}
