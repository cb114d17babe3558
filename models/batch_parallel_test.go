package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// parallelCampaign is a sending campaign of batches × size recipients,
// fully frozen, whose batches are all leased, one owner per batch.
func parallelCampaign(t *testing.T, s *Store, batches, size int) (Campaign, []Batch) {
	t.Helper()
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	c := mustCreateCampaign(t, s, acct, Audience{Kind: "cid"})
	if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
		t.Fatal(err)
	}
	bs := make([]NewBatch, batches)
	for i := range bs {
		rs := make([]string, size)
		for j := range rs {
			rs[j] = fmt.Sprintf("r%04d-%03d", i, j)
		}
		bs[i] = NewBatch{Target: json.RawMessage(`{}`), Recipients: rs}
	}
	// Two chunks, as the planner freezes a long audience.
	if err := s.FreezeBatches(ctx, c.ID, bs[:batches/2], bs[batches/2-1].Recipients[size-1], false); err != nil {
		t.Fatal(err)
	}
	if err := s.FreezeBatches(ctx, c.ID, bs[batches/2:], bs[batches-1].Recipients[size-1], true); err != nil {
		t.Fatal(err)
	}
	var leased []Batch
	for len(leased) < batches {
		got, err := s.ClaimBatches(ctx, fmt.Sprintf("w%d", len(leased)), time.Minute, 0, 1)
		if err != nil || len(got) == 0 {
			t.Fatalf("claim batch %d: %v %v", len(leased), got, err)
		}
		leased = append(leased, got...)
	}
	return c, leased
}

// recordInParallel completes the batches from several goroutines, a few
// batches a call, in an order that is not the batches' own (each call's
// batches are not in id order either); cancel, when set, runs among them.
func recordInParallel(t *testing.T, s *Store, bs []Batch, lanes int, cancel func()) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, lanes+1)
	for lane := range lanes {
		wg.Go(func() {
			var group []Completion
			for i := len(bs) - 1 - lane; i >= 0; i -= lanes {
				res := BatchResult{TaskID: fmt.Sprintf("t%d", bs[i].ID)}
				if i%7 == 0 {
					res.Outcomes = []Outcome{{Recipient: bs[i].Recipients[0], Status: DeliveryFailed, Code: fmt.Sprintf("e%d", i%3)}}
				}
				group = append(group, Completion{Batch: bs[i], Result: res})
				if len(group) == 3 || i-lanes < 0 {
					if _, _, err := s.CompleteBatches(ctx, group); err != nil {
						errs <- err
						return
					}
					group = nil
				}
			}
		})
	}
	if cancel != nil {
		wg.Go(cancel)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// checkSettled checks that every recipient of c ended exactly once: one
// delivery row each, counters adding up, nothing pending.
func checkSettled(t *testing.T, s *Store, id int64, recipients int64) Campaign {
	t.Helper()
	ctx := context.Background()
	c, err := s.CampaignHead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Recipients != recipients || c.Pending != 0 || c.Accepted+c.Invalid+c.Failed != recipients {
		t.Errorf("counters: recipients %d pending %d accepted %d invalid %d failed %d; want %d settled", c.Recipients, c.Pending, c.Accepted, c.Invalid, c.Failed, recipients)
	}
	var rows, pendingBatches int64
	if err := s.conn(ctx).Model(&Delivery{}).Where("campaign_id = ?", id).Count(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.conn(ctx).Model(&Batch{}).Where("campaign_id = ? AND status = 'pending'", id).Count(&pendingBatches).Error; err != nil {
		t.Fatal(err)
	}
	if rows != recipients || pendingBatches != 0 {
		t.Errorf("%d delivery rows, %d batches pending; want %d and 0", rows, pendingBatches, recipients)
	}
	return c
}

// TestParallelRecordersCompleteOnce: outcomes recorded from several
// goroutines at once (the engine's recorder lanes; on PostgreSQL they run
// in parallel, without the write lock) count every recipient once and
// complete the campaign exactly once, whichever records the last batch.
func TestParallelRecordersCompleteOnce(t *testing.T) {
	s := mustOpenStore(t)
	const batches, size = 48, 40
	c, bs := parallelCampaign(t, s, batches, size)
	recordInParallel(t, s, bs, 6, nil)
	c = checkSettled(t, s, c.ID, batches*size)
	if c.Status != StatusCompleted {
		t.Errorf("status %s, want completed", c.Status)
	}
	evs, err := s.CampaignEvents(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	completed := 0
	for _, e := range evs {
		if e.ToStatus == StatusCompleted {
			completed++
		}
	}
	if completed != 1 {
		t.Errorf("%d completion events, want 1", completed)
	}
	if want := int64(batches/7 + 1); c.Failed != want {
		t.Errorf("failed %d, want %d", c.Failed, want)
	}
}

// TestCancelAmongParallelRecorders: a cancel racing the recorders neither
// deadlocks with them nor counts a recipient twice: each batch ends either
// recorded or cancelled.
func TestCancelAmongParallelRecorders(t *testing.T) {
	s := mustOpenStore(t)
	const batches, size = 48, 40
	c, bs := parallelCampaign(t, s, batches, size)
	cancel := func() {
		time.Sleep(time.Millisecond)
		if _, err := s.CancelCampaign(context.Background(), c.ID, "t", "stop"); err != nil && !errors.Is(err, ErrConflict) {
			t.Errorf("cancel: %v", err)
		}
	}
	recordInParallel(t, s, bs, 6, cancel)
	c = checkSettled(t, s, c.ID, batches*size)
	if c.Status != StatusCancelled && c.Status != StatusCompleted {
		t.Errorf("status %s, want cancelled (or completed, when every batch was in first)", c.Status)
	}
}

// TestImportRefreshesPlannerStatistics: on PostgreSQL an import that adds
// devices leaves the table analyzed, so the next send does not plan its
// audience pages from an empty table's estimates.
func TestImportRefreshesPlannerStatistics(t *testing.T) {
	s := mustOpenStore(t)
	if s.dialect.analyzeDevices == "" {
		t.Skip("PostgreSQL test: run with PUSHDECK_TEST_DB=postgres://… (SQLite pins its index instead)")
	}
	acct := mustCreateAccount(t, s)
	var b strings.Builder
	b.WriteString("cid,platform\n")
	const n = 3000
	for i := range n {
		fmt.Fprintf(&b, "c%05d,android\n", i)
	}
	if _, err := s.ImportCSV(t.Context(), acct.ID, strings.NewReader(b.String()), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	var tuples float64
	if err := s.conn(t.Context()).Raw(`SELECT reltuples FROM pg_class WHERE oid = 'devices'::regclass`).Row().Scan(&tuples); err != nil {
		t.Fatal(err)
	}
	if tuples != n {
		t.Errorf("planner's row count of devices %v, want %d (analyzed after the import)", tuples, n)
	}
}
