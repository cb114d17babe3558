package dispatch

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// TestThresholdNeedsEnoughDone: the error threshold judges a campaign only
// once enough recipients are done (a few early failures of a big campaign
// say little), then pauses it when the failed share is over the threshold
// (50 % by default), and not at the threshold itself.
func TestThresholdNeedsEnoughDone(t *testing.T) {
	h := newHarness(t, Config{})
	acct := h.account("sandbox", "", json.RawMessage(`{}`))
	ctx := context.Background()
	for _, tc := range []struct {
		name             string
		accepted, failed int64
		want             models.Status
	}{
		// Literal figures, not the constant: changing the rule fails here.
		{"all failed, too few done", 0, 199, models.StatusSending},
		{"over the threshold", 99, 101, models.StatusPaused},
		{"at the threshold", 100, 100, models.StatusSending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: []string{"a"}}, draft.Options{})
			h.send(c)
			c.Accepted, c.Failed = tc.accepted, tc.failed
			h.engine.send.checkThreshold(ctx, c)
			got, err := h.store.CampaignByID(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.want {
				t.Errorf("%d accepted, %d failed: %s, want %s", tc.accepted, tc.failed, got.Status, tc.want)
			}
			if tc.want == models.StatusPaused && got.StatusReasonCode != models.ReasonErrorThreshold {
				t.Errorf("paused because %q, want the error threshold", got.StatusReasonCode)
			}
		})
	}
}
