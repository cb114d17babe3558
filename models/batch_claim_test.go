package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentClaimsTakeDifferentBatches: claims racing from several
// goroutines (several workers, or several instances on PostgreSQL) never
// lease one batch twice, and between them take every batch.
func TestConcurrentClaimsTakeDifferentBatches(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	c := mustCreateCampaign(t, s, acct, Audience{Kind: "cid"})
	if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
		t.Fatal(err)
	}
	const batches, claimers = 60, 6
	bs := make([]NewBatch, batches)
	for i := range bs {
		bs[i] = NewBatch{Target: json.RawMessage(`{}`), Recipients: []string{fmt.Sprintf("r%03d", i)}}
	}
	if err := s.FreezeBatches(ctx, c.ID, bs, "r059", true); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	owner := map[int64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, claimers)
	for w := range claimers {
		name := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for {
				got, err := s.ClaimBatches(ctx, name, time.Minute, 0, 3)
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, b := range got {
					if prev, ok := owner[b.ID]; ok {
						errs <- fmt.Errorf("batch %d leased to %s and %s", b.ID, prev, name)
					}
					owner[b.ID] = name
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(owner) != batches {
		t.Errorf("%d batches leased, want %d", len(owner), batches)
	}
}
