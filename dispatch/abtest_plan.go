package dispatch

import (
	"context"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// startSample marks a test-first campaign's first plan as its sample,
// before any batch is frozen, so a resumed plan freezes the same sample
// and the end of the sample starts the wait rather than completing the
// campaign.
func (p *planner) startSample(ctx context.Context, c *models.Campaign, d draft.Draft) error {
	t := d.Options.ABTest
	if t == nil || len(d.Variants) == 0 || c.ABPhase != models.ABNone {
		return nil
	}
	if err := p.store.StartABSample(ctx, c.ID, time.Duration(t.WaitSeconds)*time.Second); err != nil {
		return err
	}
	c.ABPhase, c.ABWaitSeconds = models.ABSample, t.WaitSeconds
	return nil
}
