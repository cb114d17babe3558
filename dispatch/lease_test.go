package dispatch

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// TestLeaseRenewedBeforeTheCall: a batch that waited in the queue until
// less than half its lease was left gets a fresh lease before its call, so
// another worker cannot claim it (and send it again) while it is in
// flight, even when the call outlasts the lease it was claimed with.
func TestLeaseRenewedBeforeTheCall(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Lease: 2 * time.Second})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: []string{"tok-a", "tok-b"}}, draft.Options{})
	h.send(c)
	ctx := context.Background()
	h.engine.plan.planPending(ctx)
	// Claimed long ago, as it were: 200 ms of the lease are left.
	const left = 200 * time.Millisecond
	bs, err := h.store.ClaimBatches(ctx, h.engine.cfg.Owner, left, 0, 1)
	if err != nil || len(bs) != 1 {
		t.Fatalf("claim: %v %v", bs, err)
	}
	// The call takes three times what was left of the lease; halfway
	// through, another worker looks for due batches.
	fake.SetDelay(3 * left)
	taken := make(chan int, 1)
	go func() {
		time.Sleep(2 * left)
		other, err := h.store.ClaimBatches(ctx, "another-worker", time.Minute, 0, 10)
		if err != nil {
			t.Error(err)
		}
		taken <- len(other)
	}()
	now := time.Now()
	h.engine.send.process(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), job{b: bs[0], at: now, booked: now})
	if n := <-taken; n != 0 {
		t.Errorf("another worker claimed %d batch(es) while the call was in flight: the lease was not renewed", n)
	}
	select {
	case done := <-h.engine.send.done:
		if done.Result.Final != "" {
			t.Errorf("batch ended %s (%s), want sent", done.Result.Final, done.Result.Code)
		}
	default:
		t.Error("the batch's outcome was not queued for the recorder")
	}
}
