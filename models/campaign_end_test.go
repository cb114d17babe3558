package models

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestCampaignEnds: a campaign whose recipients are all terminal is
// completed only when the provider accepted (or answered invalid for) at
// least one of them; otherwise it is failed with a reason the console can
// word, and a paused campaign ends the same way when its last batch comes
// back or when it is resumed with nothing left.
func TestCampaignEnds(t *testing.T) {
	ctx := context.Background()
	target := json.RawMessage(`{}`)
	tests := []struct {
		name     string
		batches  []NewBatch
		results  []BatchResult
		pause    bool // pause after claiming, before the outcomes come back
		want     Status
		wantCode string
		wantText string
	}{
		{"one accepted", []NewBatch{{Target: target, Recipients: []string{"a", "b"}}},
			[]BatchResult{{Outcomes: []Outcome{{Recipient: "a", Status: DeliveryFailed, Code: "x"}}}}, false, StatusCompleted, "", ""},
		{"only invalid", []NewBatch{{Target: target, Recipients: []string{"a"}}},
			[]BatchResult{{Final: DeliveryInvalid, Code: "gone"}}, false, StatusCompleted, "", ""},
		{"all failed", []NewBatch{{Target: target, Recipients: []string{"a", "b"}}, {Target: target, Recipients: []string{"c"}}},
			[]BatchResult{{Final: DeliveryFailed, Code: "503", Message: "service unavailable"}, {Final: DeliveryFailed, Code: "503", Message: "service unavailable"}},
			false, StatusFailed, ReasonNoDelivery, "3 of 3 failed (503: service unavailable)"},
		{"broadcast accepted", []NewBatch{{Target: target}}, []BatchResult{{TaskID: "t"}}, false, StatusCompleted, "", ""},
		{"broadcast refused", []NewBatch{{Target: target}}, []BatchResult{{Final: DeliveryFailed, Code: "10002", Message: "bad parameters"}},
			false, StatusFailed, ReasonNoDelivery, "refused the request (10002: bad parameters)"},
		{"empty audience", nil, nil, false, StatusFailed, ReasonNoRecipients, "matched no recipient"},
		{"paused, last batch all failed", []NewBatch{{Target: target, Recipients: []string{"a"}}},
			[]BatchResult{{Final: DeliveryFailed, Code: "timeout"}}, true, StatusFailed, ReasonNoDelivery, "1 of 1 failed"},
		{"paused, last batch accepted", []NewBatch{{Target: target, Recipients: []string{"a"}}},
			[]BatchResult{{}}, true, StatusCompleted, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustOpenStore(t)
			c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "cid"})
			if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
				t.Fatal(err)
			}
			if err := s.FreezeBatches(ctx, c.ID, tc.batches, "z", true); err != nil {
				t.Fatal(err)
			}
			var claimed []Batch
			for range tc.batches {
				b, ok, err := s.ClaimBatch(ctx, "w", time.Minute, 0)
				if err != nil || !ok {
					t.Fatalf("claim: %v %v", ok, err)
				}
				claimed = append(claimed, b)
			}
			if tc.pause {
				if _, err := s.Transition(ctx, c.ID, StatusPaused, "ann", ""); err != nil {
					t.Fatal(err)
				}
			}
			for i, b := range claimed {
				if _, err := s.CompleteBatch(ctx, b, tc.results[i]); err != nil {
					t.Fatal(err)
				}
			}
			c, err := s.CampaignByID(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != tc.want || c.StatusReasonCode != tc.wantCode || !strings.Contains(c.StatusReason, tc.wantText) || c.FinishedAt == nil {
				t.Fatalf("ended %s (%s: %q, finished %v), want %s (%s: …%q…)", c.Status, c.StatusReasonCode, c.StatusReason, c.FinishedAt, tc.want, tc.wantCode, tc.wantText)
			}
			if tc.wantCode == ReasonNoDelivery && len(tc.batches[0].Recipients) > 0 {
				d := c.ReasonData()
				if d["Failed"] != float64(c.Failed) || d["Code"] != tc.results[0].Code {
					t.Errorf("reason data %v, want the failed count %d and code %s", d, c.Failed, tc.results[0].Code)
				}
			}
		})
	}
}

// TestResumeWithNothingLeftEnds: a campaign left paused with no pending
// batch (as one paused before ends were decided while paused) ends when it
// is resumed instead of sending forever.
func TestResumeWithNothingLeftEnds(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "cid"})
	if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.FreezeBatches(ctx, c.ID, []NewBatch{{Target: json.RawMessage(`{}`), Recipients: []string{"a"}}}, "a", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, c.ID, StatusPaused, "ann", ""); err != nil {
		t.Fatal(err)
	}
	// The batch ended without going through finishIfDone.
	if err := s.DB().Exec(`UPDATE batches SET status = 'done' WHERE campaign_id = ?`, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(`UPDATE campaigns SET pending = 0, accepted = 1 WHERE id = ?`, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	c, err := s.Transition(ctx, c.ID, StatusSending, "ann", "")
	if err != nil || c.Status != StatusCompleted || c.Audience.Kind != "cid" {
		t.Fatalf("resumed: %s (audience %q) %v, want completed", c.Status, c.Audience.Kind, err)
	}
}

// TestCampaignRetries: batches that failed an attempt and wait for the
// next one are counted with the newest error and the earliest next
// attempt; once they end, nothing is retrying.
func TestCampaignRetries(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	c := mustCreateCampaign(t, s, mustCreateAccount(t, s), Audience{Kind: "cid"})
	if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
		t.Fatal(err)
	}
	bs := []NewBatch{{Target: json.RawMessage(`{}`), Recipients: []string{"a"}}, {Target: json.RawMessage(`{}`), Recipients: []string{"b"}}, {Target: json.RawMessage(`{}`), Recipients: []string{"c"}}}
	if err := s.FreezeBatches(ctx, c.ID, bs, "c", true); err != nil {
		t.Fatal(err)
	}
	if r, err := s.CampaignRetries(ctx, c.ID); err != nil || r.Batches != 0 {
		t.Fatalf("before any attempt: %+v %v", r, err)
	}
	var claimed []Batch
	for range 3 {
		b, _, err := s.ClaimBatch(ctx, "w", time.Minute, 0)
		if err != nil {
			t.Fatal(err)
		}
		claimed = append(claimed, b)
	}
	now := s.Now()
	if err := s.RetryBatch(ctx, claimed[0], now.Add(time.Hour), "503", "service unavailable"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if err := s.RetryBatch(ctx, claimed[1], now.Add(2*time.Hour), "timeout", "no answer in 10s"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteBatch(ctx, claimed[2], BatchResult{}); err != nil {
		t.Fatal(err)
	}
	r, err := s.CampaignRetries(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Batches != 2 || r.Code != "timeout" || r.Message != "no answer in 10s" || r.At.Before(now) || !r.NextAttemptAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("retrying: %+v (now %v)", r, now)
	}
	if err := s.DB().Exec(`UPDATE batches SET next_attempt_at = ? WHERE campaign_id = ?`, now.Add(-time.Second), c.ID).Error; err != nil {
		t.Fatal(err)
	}
	for range 2 {
		b, ok, err := s.ClaimBatch(ctx, "w", time.Minute, 0)
		if err != nil || !ok {
			t.Fatalf("claim a due retry: %v %v", ok, err)
		}
		if _, err := s.CompleteBatch(ctx, b, BatchResult{}); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := s.CampaignRetries(ctx, c.ID); err != nil || r.Batches != 0 {
		t.Fatalf("after the retries succeeded: %+v %v", r, err)
	}
	if c, _ := s.CampaignByID(ctx, c.ID); c.Status != StatusCompleted {
		t.Fatalf("campaign %s, want completed", c.Status)
	}
}
