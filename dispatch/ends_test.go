package dispatch

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// closedURL is the address of a port nobody listens on: every call is
// refused, as with a provider that is unreachable.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// TestProviderDownEndsFailed: a provider that answers 5xx, or cannot be
// reached, for the whole retry horizon leaves the campaign visibly
// retrying (count, error, next attempt) and then ends it failed with the
// reason, never completed: no recipient was delivered.
func TestProviderDownEndsFailed(t *testing.T) {
	tests := []struct {
		name string
		url  func(t *testing.T, f *mxfake.Server) string
	}{
		{"5xx", func(_ *testing.T, f *mxfake.Server) string { f.FailNext(1<<30, http.StatusBadGateway); return f.URL() }},
		{"unreachable", func(t *testing.T, _ *mxfake.Server) string { return closedURL(t) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := mxfake.New(t)
			const attempts = 4
			h := newHarness(t, Config{Workers: 2, MaxAttempts: attempts, BackoffBase: 150 * time.Millisecond, BackoffMax: 300 * time.Millisecond})
			acct := h.account("mxpush", tc.url(t, fake), fake.Credentials())
			c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: []string{"tok-a", "tok-b", "tok-c"}}, draft.Options{})
			h.start()
			h.send(c)
			ctx := context.Background()
			var seen models.Retries
			deadline := time.Now().Add(10 * time.Second)
			for seen.Batches == 0 && time.Now().Before(deadline) {
				r, err := h.store.CampaignRetries(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				seen = r
				time.Sleep(10 * time.Millisecond)
			}
			if seen.Batches != 1 || seen.Code == "" || seen.At.IsZero() || !seen.NextAttemptAt.After(seen.At) {
				t.Errorf("while retrying: %+v, want 1 batch with the provider's error and the next attempt after it", seen)
			}
			c = h.waitStatus(c.ID, 20*time.Second, models.StatusFailed, models.StatusCompleted)
			if c.Status != models.StatusFailed || c.StatusReasonCode != models.ReasonNoDelivery || !strings.Contains(c.StatusReason, seen.Code) {
				t.Fatalf("ended %s (%s: %q), want failed because nothing was delivered, naming %s", c.Status, c.StatusReasonCode, c.StatusReason, seen.Code)
			}
			got := h.checkInvariants(c, 3)
			if got[models.DeliveryFailed] != 3 {
				t.Errorf("outcomes %v, want 3 failed", got)
			}
			var tries int
			if err := h.store.DB().Raw(`SELECT attempts FROM batches WHERE campaign_id = ?`, c.ID).Scan(&tries).Error; err != nil {
				t.Fatal(err)
			}
			if tries != attempts {
				t.Errorf("%d attempts, want the whole retry horizon (%d)", tries, attempts)
			}
			if r, err := h.store.CampaignRetries(ctx, c.ID); err != nil || r.Batches != 0 {
				t.Errorf("after the end: %+v %v, want nothing retrying", r, err)
			}
		})
	}
}

// TestThresholdPausesWhenProviderStaysDown: with the provider down for the
// whole retry horizon, the first batches to run out of attempts cross the
// error threshold and pause the campaign with the reason, leaving the rest
// unsent rather than failing them too.
func TestThresholdPausesWhenProviderStaysDown(t *testing.T) {
	fake := mxfake.New(t)
	fake.FailNext(1<<30, http.StatusServiceUnavailable)
	// Each answer takes a moment, so the first batch to give up is
	// recorded before the last one does.
	fake.SetDelay(30 * time.Millisecond)
	h := newHarness(t, Config{Workers: 1, MaxAttempts: 2})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(3000)}, draft.Options{})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 20*time.Second, models.StatusPaused, models.StatusFailed, models.StatusCompleted)
	if c.Status != models.StatusPaused || c.StatusReasonCode != models.ReasonErrorThreshold || c.Pending == 0 {
		t.Fatalf("%s (%s: %q) with %+v, want paused by the error threshold with recipients left", c.Status, c.StatusReasonCode, c.StatusReason, c.Totals())
	}
	if d := c.ReasonData(); d["Threshold"] != float64(50) || d["Failed"] == nil || d["Done"] == nil {
		t.Errorf("reason data %v, want the threshold (50) and the figures", d)
	}
	c, err := h.engine.Cancel(context.Background(), c.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	h.checkInvariants(c, 3000)
}
