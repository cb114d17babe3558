package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// claimedBatches freezes n one-recipient batches of a sending campaign
// and claims them.
func claimedBatches(t *testing.T, s *Store, n int) (Campaign, []Batch) {
	t.Helper()
	ctx := context.Background()
	c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "cid"})
	if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
		t.Fatal(err)
	}
	var nb []NewBatch
	for i := range n {
		nb = append(nb, NewBatch{Target: json.RawMessage(`{}`), Recipients: []string{fmt.Sprintf("r%d", i)}})
	}
	if err := s.FreezeBatches(ctx, c.ID, nb, "rq", true); err != nil {
		t.Fatal(err)
	}
	var out []Batch
	for range n {
		b, ok, err := s.ClaimBatch(ctx, "w", time.Minute, 0)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		out = append(out, b)
	}
	return c, out
}

// TestBatchTasks: every task id of a batch's parts is kept with its
// outcome, listed once, in pages, and by variant.
func TestBatchTasks(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	c, bs := claimedBatches(t, s, 2)
	var many []string
	for i := range 25 {
		many = append(many, fmt.Sprintf("%03d", i))
	}
	// The first batch's own task id is one of its parts'; the second is a
	// plain batch.
	if _, err := s.CompleteBatch(ctx, bs[0], BatchResult{TaskID: many[0], TaskIDs: append(many, many[3], "")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteBatch(ctx, bs[1], BatchResult{TaskID: "999"}); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(many), "999")
	all, err := s.CampaignTaskIDs(ctx, c.ID)
	if err != nil || !slices.Equal(all, want) {
		t.Fatalf("task ids %v (%v), want %v", all, err, want)
	}
	var paged []string
	for after := ""; ; {
		page, err := s.CampaignTaskPage(ctx, c.ID, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if len(page) < 10 {
			break
		}
		after = page[len(page)-1]
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("paged %v, want %v", paged, want)
	}
	vt, err := s.VariantTaskPage(ctx, c.ID, 0, "", MaxTaskPage)
	if err != nil || !slices.Equal(vt, want) {
		t.Fatalf("variant tasks %v (%v), want %v", vt, err, want)
	}
	if vt, err := s.VariantTaskPage(ctx, c.ID, 1, "", MaxTaskPage); err != nil || len(vt) != 0 {
		t.Fatalf("variant 1 tasks %v (%v), want none", vt, err)
	}
}

// TestBatchParts: the journal keeps parts begun and their answers, a part
// begun again forgets its answer, and the batch's outcome drops them.
func TestBatchParts(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	_, bs := claimedBatches(t, s, 2)
	b := bs[0]
	if err := s.BeginParts(ctx, b.ID, []PartStart{{ID: "p1", Key: "k1"}, {ID: "p2"}, {ID: "p3"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AnswerParts(ctx, b.ID, []PartAnswer{{ID: "p1", Answer: `{"t":"1"}`}, {ID: "p2", Answer: `{"e":{}}`}}); err != nil {
		t.Fatal(err)
	}
	if err := s.BeginParts(ctx, b.ID, []PartStart{{ID: "p2", Key: "k2"}}); err != nil {
		t.Fatal(err)
	}
	// Another batch's parts are its own.
	if err := s.BeginParts(ctx, bs[1].ID, []PartStart{{ID: "p1"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.BatchParts(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b PartRecord) int {
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	want := []PartRecord{{ID: "p1", Key: "k1", Answered: true, Answer: `{"t":"1"}`}, {ID: "p2", Key: "k2"}, {ID: "p3"}}
	if !slices.Equal(got, want) {
		t.Fatalf("journal %+v, want %+v", got, want)
	}
	if _, err := s.CompleteBatch(ctx, b, BatchResult{Journaled: true}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.BatchParts(ctx, b.ID); err != nil || len(got) != 0 {
		t.Fatalf("after the outcome: %+v %v", got, err)
	}
	if got, err := s.BatchParts(ctx, bs[1].ID); err != nil || len(got) != 1 {
		t.Fatalf("the other batch's: %+v %v", got, err)
	}
}
