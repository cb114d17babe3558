package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestTransitionTable(t *testing.T) {
	allowed := map[[2]Status]bool{
		{StatusDraft, StatusScheduled}: true, {StatusDraft, StatusSending}: true, {StatusDraft, StatusCancelled}: true,
		{StatusScheduled, StatusDraft}: true, {StatusScheduled, StatusSending}: true, {StatusScheduled, StatusCancelled}: true,
		{StatusSending, StatusPaused}: true, {StatusSending, StatusCompleted}: true, {StatusSending, StatusCancelled}: true, {StatusSending, StatusFailed}: true,
		{StatusPaused, StatusSending}: true, {StatusPaused, StatusCompleted}: true, {StatusPaused, StatusCancelled}: true, {StatusPaused, StatusFailed}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
				if got := CanTransition(from, to); got != allowed[[2]Status{from, to}] {
					t.Errorf("CanTransition = %v", got)
				}
			})
		}
	}
}

func TestTransitionRecordsAndRefuses(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "all"})
	if _, err := s.Transition(ctx, c.ID, StatusPaused, "ann", ""); !errors.Is(err, ErrConflict) {
		t.Fatalf("draft → paused: %v, want ErrConflict", err)
	}
	var te *TransitionError
	if _, err := s.Transition(ctx, c.ID, StatusCompleted, "ann", ""); !errors.As(err, &te) || te.From != StatusDraft {
		t.Fatalf("draft → completed: %v", err)
	}
	c, err := s.Transition(ctx, c.ID, StatusSending, "ann", "")
	if err != nil || c.Status != StatusSending || c.StartedAt == nil {
		t.Fatalf("draft → sending: %+v %v", c, err)
	}
	if c, err = s.Transition(ctx, c.ID, StatusPaused, "bob", "operator pause"); err != nil {
		t.Fatal(err)
	}
	evs, err := s.CampaignEvents(ctx, c.ID)
	if err != nil || len(evs) != 2 || evs[1].Actor != "bob" || evs[1].FromStatus != StatusSending || evs[1].Reason != "operator pause" {
		t.Fatalf("events: %+v %v", evs, err)
	}
	if _, err := s.Transition(ctx, 999, StatusSending, "x", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing campaign: %v", err)
	}
}

func TestIdempotentCreateAndKeysetList(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	a := mustCreateAccount(t, s)
	in := NewCampaign{Name: "x", ProviderID: a.ID, Audience: Audience{Kind: "all"}, Message: json.RawMessage(`{}`),
		Idempotency: Idempotency{Owner: "apikey:1", Key: "key", BodyHash: "h1"}}
	c1, created1, err := s.CreateCampaign(ctx, in)
	if err != nil || !created1 {
		t.Fatal(err)
	}
	c2, created2, err := s.CreateCampaign(ctx, in)
	if err != nil || created2 || c2.ID != c1.ID {
		t.Fatalf("retry created a second campaign: %v %v %v", c2.ID, created2, err)
	}
	for range 4 {
		mustCreateCampaign(t, s, a, Audience{Kind: "all"})
	}
	var seen []int64
	after := int64(0)
	for {
		page, next, err := s.ListCampaigns(ctx, CampaignFilter{After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			seen = append(seen, c.ID)
		}
		if next == 0 {
			break
		}
		after = next
	}
	if len(seen) != 5 || seen[0] != 5 || seen[4] != 1 {
		t.Fatalf("keyset pages newest first: %v", seen)
	}
}

func TestBatchLifecycle(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "cid"})
	c, err := s.Transition(ctx, c.ID, StatusSending, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FreezeBatches(ctx, c.ID, []NewBatch{{Target: json.RawMessage(`{}`), Recipients: []string{"a", "b", "c"}}}, "c", false); err != nil {
		t.Fatal(err)
	}
	if err := s.FreezeBatches(ctx, c.ID, []NewBatch{{Target: json.RawMessage(`{}`), Recipients: []string{"d", "e"}}}, "e", true); err != nil {
		t.Fatal(err)
	}
	if err := s.FreezeBatches(ctx, c.ID, []NewBatch{{Target: json.RawMessage(`{}`), Recipients: []string{"f"}}}, "f", true); !errors.Is(err, ErrConflict) {
		t.Fatalf("freezing a planned campaign: %v", err)
	}
	c, _ = s.CampaignByID(ctx, c.ID)
	if c.Recipients != 5 || c.Pending != 5 || !c.Planned || c.PlanSeq != 2 || c.PlanCursor != "e" {
		t.Fatalf("after freeze: %+v planned=%v seq=%d cursor=%q", c.Totals(), c.Planned, c.PlanSeq, c.PlanCursor)
	}
	b1, ok, err := s.ClaimBatch(ctx, "w1", time.Minute, 0)
	if err != nil || !ok || b1.Seq != 1 || b1.Attempts != 1 || b1.RequestID != RequestID(c.Nonce, c.ID, 1) {
		t.Fatalf("claim: %+v %v %v", b1, ok, err)
	}
	b2, ok, err := s.ClaimBatch(ctx, "w2", time.Minute, 0)
	if err != nil || !ok || b2.Seq != 2 {
		t.Fatalf("second claim must take the other batch: %+v %v", b2, err)
	}
	if _, ok, _ := s.ClaimBatch(ctx, "w3", time.Minute, 0); ok {
		t.Fatal("a leased batch was claimed twice")
	}
	// w2 "crashes": its lease expires and w3 takes the batch with the same request id.
	if err := s.DB().Exec(`UPDATE batches SET lease_expires_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Second), b2.ID).Error; err != nil {
		t.Fatal(err)
	}
	b2again, ok, err := s.ClaimBatch(ctx, "w3", time.Minute, 0)
	if err != nil || !ok || b2again.ID != b2.ID || b2again.RequestID != b2.RequestID || b2again.Attempts != 2 {
		t.Fatalf("reclaim: %+v %v", b2again, err)
	}
	if _, err := s.CompleteBatch(ctx, b2, BatchResult{}); !errors.Is(err, ErrConflict) {
		t.Fatalf("the old owner must not record an outcome: %v", err)
	}
	c, err = s.CompleteBatch(ctx, b1, BatchResult{TaskID: "t1", Outcomes: []Outcome{{Recipient: "b", Status: DeliveryInvalid, Code: "bad"}}})
	if err != nil || c.Status != StatusSending {
		t.Fatalf("complete b1: %v %v", c.Status, err)
	}
	c, err = s.CompleteBatch(ctx, b2again, BatchResult{Final: DeliveryFailed, Code: "500", Message: "boom"})
	if err != nil {
		t.Fatal(err)
	}
	want := Totals{Recipients: 5, Pending: 0, Accepted: 2, Invalid: 1, Failed: 2}
	if c.Totals() != want || c.Status != StatusCompleted {
		t.Fatalf("final %+v %s, want %+v completed", c.Totals(), c.Status, want)
	}
	ds, _, err := s.ListDeliveries(ctx, c.ID, DeliveryFilter{Status: DeliveryFailed})
	if err != nil || len(ds) != 2 || ds[0].Code != "500" || ds[0].RequestID != b2.RequestID {
		t.Fatalf("failed deliveries: %+v %v", ds, err)
	}
	fs, err := s.CampaignFailures(ctx, c.ID)
	want2 := []FailureCount{{Status: DeliveryFailed, Code: "500", Message: "boom", N: 2}, {Status: DeliveryInvalid, Code: "bad", N: 1}}
	if err != nil || len(fs) != 2 || fs[0] != want2[0] || fs[1] != want2[1] {
		t.Fatalf("failures by reason: %+v %v", fs, err)
	}
}

// TestCancelEndsPendingRecipients: a cancel ends the unsent recipients as
// failed, once each, and leaves nothing to claim.
func TestCancelEndsPendingRecipients(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "cid"})
	c, _ = s.Transition(ctx, c.ID, StatusSending, "t", "")
	if err := s.FreezeBatches(ctx, c.ID, []NewBatch{{Target: json.RawMessage(`{}`), Recipients: []string{"a", "b"}}}, "b", true); err != nil {
		t.Fatal(err)
	}
	c, err := s.CancelCampaign(ctx, c.ID, "ann", "")
	if err != nil || c.Status != StatusCancelled || c.Pending != 0 || c.Failed != 2 {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	// Failures by reason count each cancelled recipient once, as the
	// counters do.
	fs, err := s.CampaignFailures(ctx, c.ID)
	want := FailureCount{Status: DeliveryFailed, Code: "cancelled", Message: "campaign cancelled", N: 2}
	if err != nil || len(fs) != 1 || fs[0] != want {
		t.Fatalf("failures by reason after cancel: %+v %v, want [%+v]", fs, err, want)
	}
	if _, ok, _ := s.ClaimBatch(ctx, "w", time.Minute, 0); ok {
		t.Fatal("a cancelled campaign's batch was claimed")
	}
	if _, err := s.CancelCampaign(ctx, c.ID, "ann", ""); !errors.Is(err, ErrConflict) {
		t.Fatalf("cancel twice: %v", err)
	}
}

// TestOutcomesMixCommonAndOwn: recipients sharing the batch's outcome and
// those with their own answer each end in exactly one row with the right
// state, code and message, and the counters and failures agree with them.
func TestOutcomesMixCommonAndOwn(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "cid"})
	c, err := s.Transition(ctx, c.ID, StatusSending, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	bs := []NewBatch{
		{Target: json.RawMessage(`{}`), Recipients: []string{"a", "b", "c", "d", "e"}},
		{Target: json.RawMessage(`{}`), Recipients: []string{"f", "g", "h"}},
	}
	if err := s.FreezeBatches(ctx, c.ID, bs, "h", true); err != nil {
		t.Fatal(err)
	}
	claimed, err := s.ClaimBatches(ctx, "w", time.Minute, 0, 2)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	_, lost, err := s.CompleteBatches(ctx, []Completion{
		{Batch: claimed[0], Result: BatchResult{Outcomes: []Outcome{
			{Recipient: "a", Status: DeliveryAccepted, Code: "successed_online"},
			{Recipient: "b", Status: DeliveryInvalid, Code: "bad", Message: "no such cid"},
			{Recipient: "c", Status: "mystery", Code: "x1"},
			{Recipient: "d", Status: DeliveryAccepted},
			{Recipient: "zz", Status: DeliveryInvalid}, // not in the batch: ignored
		}}},
		{Batch: claimed[1], Result: BatchResult{Final: DeliveryFailed, Code: "500", Message: "boom", Outcomes: []Outcome{
			{Recipient: "g", Status: DeliveryAccepted},
			{Recipient: "h", Status: DeliveryFailed, Code: "500", Message: "boom"},
		}}},
	})
	if err != nil || len(lost) != 0 {
		t.Fatalf("complete: %v lost %v", err, lost)
	}
	want := map[string][3]string{
		"a": {DeliveryAccepted, "successed_online", ""}, "b": {DeliveryInvalid, "bad", "no such cid"}, "c": {DeliveryFailed, "x1", ""},
		"d": {DeliveryAccepted, "", ""}, "e": {DeliveryAccepted, "", ""},
		"f": {DeliveryFailed, "500", "boom"}, "g": {DeliveryAccepted, "", ""}, "h": {DeliveryFailed, "500", "boom"},
	}
	var rows []Delivery
	if err := s.DB().Raw(`SELECT recipient, status, code, message FROM deliveries WHERE campaign_id = ? ORDER BY recipient`, c.ID).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for _, r := range rows {
		if w := want[r.Recipient]; [3]string{r.Status, r.Code, r.Message} != w {
			t.Errorf("%s: %s/%s/%q, want %v", r.Recipient, r.Status, r.Code, r.Message, w)
		}
	}
	c, _ = s.CampaignByID(ctx, c.ID)
	if tot := (Totals{Recipients: 8, Accepted: 4, Invalid: 1, Failed: 3}); c.Totals() != tot || c.Status != StatusCompleted {
		t.Errorf("counters %+v %s, want %+v completed", c.Totals(), c.Status, tot)
	}
	fs, err := s.CampaignFailures(ctx, c.ID)
	if err != nil || len(fs) != 3 || fs[0] != (FailureCount{Status: DeliveryFailed, Code: "500", Message: "boom", N: 2}) {
		t.Errorf("failures by reason: %+v %v", fs, err)
	}
}

// TestClaimTakesCampaignsInTurns: one claim of many batches alternates
// between the sending campaigns, starting after the one claimed last, and a
// released batch is claimable again without counting an attempt.
func TestClaimTakesCampaignsInTurns(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	var ids []int64
	for range 3 {
		c := mustCreateCampaign(t, s, acct, Audience{Kind: "cid"})
		if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
			t.Fatal(err)
		}
		var bs []NewBatch
		for i := range 4 {
			bs = append(bs, NewBatch{Target: json.RawMessage(`{}`), Recipients: []string{fmt.Sprintf("r%d", i)}})
		}
		if err := s.FreezeBatches(ctx, c.ID, bs, "r3", true); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	// A paused campaign offers nothing.
	if _, err := s.Transition(ctx, ids[2], StatusPaused, "t", ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimBatches(ctx, "w", time.Minute, ids[0], 5)
	if err != nil {
		t.Fatal(err)
	}
	type cs struct {
		c   int64
		seq int
	}
	var order []cs
	for _, b := range got {
		order = append(order, cs{b.CampaignID, b.Seq})
	}
	want := []cs{{ids[1], 1}, {ids[0], 1}, {ids[1], 2}, {ids[0], 2}, {ids[1], 3}}
	if !slices.Equal(order, want) {
		t.Fatalf("claim order %v, want %v", order, want)
	}
	if err := s.ReleaseBatch(ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	again, err := s.ClaimBatches(ctx, "w2", time.Minute, ids[0], 1)
	if err != nil || len(again) != 1 || again[0].ID != got[0].ID || again[0].Attempts != 1 {
		t.Fatalf("after release: %+v %v", again, err)
	}
	if st, err := s.CampaignStatus(ctx, ids[2]); err != nil || st != StatusPaused {
		t.Errorf("status %q %v", st, err)
	}
}

// TestClaimAdmitted: a claim takes only the batches admit accepts; a
// refused campaign's batches stay unleased (free for a later claim), and
// admit sees each offered batch's size.
func TestClaimAdmitted(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	var ids []int64
	for range 2 {
		c := mustCreateCampaign(t, s, acct, Audience{Kind: "cid"})
		if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
			t.Fatal(err)
		}
		bs := []NewBatch{
			{Target: json.RawMessage(`{}`), Recipients: []string{"a", "b"}},
			{Target: json.RawMessage(`{}`), Recipients: []string{"c", "d", "e"}},
		}
		if err := s.FreezeBatches(ctx, c.ID, bs, "e", true); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	sizes := map[int64][]int{}
	got, err := s.ClaimAdmitted(ctx, "w", time.Minute, 0, 10, func(campaign, _ int64, size int) bool {
		sizes[campaign] = append(sizes[campaign], size)
		// The first campaign has room for one batch, the second for none.
		return campaign == ids[0] && len(sizes[campaign]) == 1
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].CampaignID != ids[0] || got[0].Seq != 1 {
		t.Fatalf("claimed %+v, want the first campaign's first batch only", got)
	}
	if !slices.Equal(sizes[ids[0]], []int{2, 3}) || !slices.Equal(sizes[ids[1]], []int{2}) {
		t.Errorf("admit asked about sizes %v, want [2 3] then [2]: a refusal ends the campaign's turn", sizes)
	}
	rest, err := s.ClaimBatches(ctx, "w2", time.Minute, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 3 {
		t.Errorf("%d batches left to claim after the admitted one, want 3 (refused batches stay free)", len(rest))
	}
}

func TestIdempotencyKeyScopedBoundAndForgotten(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	clockAt(s, &now)
	a := mustCreateAccount(t, s)
	create := func(owner, body string) (Campaign, bool, error) {
		return s.CreateCampaign(ctx, NewCampaign{Name: "x", ProviderID: a.ID, Audience: Audience{Kind: "all"}, Message: json.RawMessage(`{}`),
			Idempotency: Idempotency{Owner: owner, Key: "same-key", BodyHash: body}})
	}
	first, created, err := create("apikey:1", "h1")
	if err != nil || !created {
		t.Fatal(err)
	}
	if other, created, err := create("apikey:2", "h1"); err != nil || !created || other.ID == first.ID {
		t.Errorf("another owner's same key returned campaign %d (created %v, %v)", other.ID, created, err)
	}
	var ve *ValidationError
	if _, _, err := create("apikey:1", "h2"); !errors.As(err, &ve) || ve.Fields["Idempotency-Key"].ID != "err.idempotency_body" {
		t.Errorf("same key, another body: %v", err)
	}
	if again, created, err := create("apikey:1", "h1"); err != nil || created || again.ID != first.ID {
		t.Errorf("a retry within the window: %d %v %v", again.ID, created, err)
	}
	now = now.Add(IdempotencyWindow + time.Minute)
	if later, created, err := create("apikey:1", "h2"); err != nil || !created || later.ID == first.ID {
		t.Errorf("the key a day later: %d %v %v", later.ID, created, err)
	}
}
