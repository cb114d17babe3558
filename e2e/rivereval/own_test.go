package rivereval

import (
	"context"
	"fmt"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// The engine's figures (dispatch's feeder and recorder): a claim leases up
// to feedClaim batches, a recording transaction takes up to recordGroup.
const (
	feedClaim   = 32
	recordGroup = 16
)

// drainOwn works n frozen batches the way the engine does, without the
// provider call: one goroutine leases batches with ClaimBatches (the
// offer and the lease UPDATE … RETURNING, recipients loaded), another
// records every batch as accepted with CompleteBatches, recordGroup
// batches a transaction (delivery rows, counters, the batch's state and
// the campaign's end, together).
func drainOwn(ctx context.Context, store *models.Store, n int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	feed := make(chan models.Batch, feedClaim)
	claimErr := make(chan error, 1)
	go func() {
		defer close(feed)
		var last int64
		for got := 0; got < n; {
			bs, err := store.ClaimBatches(ctx, "eval", time.Minute, last, min(feedClaim, n-got))
			if err != nil {
				claimErr <- err
				return
			}
			if len(bs) == 0 {
				claimErr <- fmt.Errorf("rivereval: claim: nothing due after %d of %d batches", got, n)
				return
			}
			for _, b := range bs {
				select {
				case feed <- b:
				case <-ctx.Done():
					return
				}
			}
			got += len(bs)
			last = bs[len(bs)-1].CampaignID
		}
		claimErr <- nil
	}()
	var group []models.Completion
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		_, lost, err := store.CompleteBatches(ctx, group)
		if err == nil && len(lost) > 0 {
			err = fmt.Errorf("rivereval: %d leases lost", len(lost))
		}
		group = group[:0]
		return err
	}
	for b := range feed {
		group = append(group, models.Completion{Batch: b})
		// As the recorder: a group takes what is queued, up to recordGroup.
		if len(group) >= recordGroup || len(feed) == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return <-claimErr
}
