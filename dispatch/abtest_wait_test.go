package dispatch

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// waitPhase waits until the campaign's A/B test reaches phase.
func (h *harness) waitPhase(id int64, phase models.ABPhase) models.Campaign {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := h.store.CampaignHead(context.Background(), id)
		if err != nil {
			h.t.Fatal(err)
		}
		if c.ABPhase == phase {
			return c
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("campaign %d in A/B phase %q (%s), want %q", id, c.ABPhase, c.Status, phase)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestABRestartDuringWait: a process stopped while the test waits leaves
// the wait stored; the next one picks the winner once it is over and
// sends it to the rest only.
func TestABRestartDuringWait(t *testing.T) {
	fake := mxfake.New(t)
	fake.SetReceivedPercent("A", 95)
	fake.SetReceivedPercent("B", 60)
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	c := h.abCampaign(acct, 1000, &draft.ABTest{SamplePercent: 40, WaitSeconds: 2, Metric: draft.MetricReceived}, 50, 50)
	h.start()
	h.send(c)
	c = h.waitPhase(c.ID, models.ABWait)
	h.stop()
	sampled := len(mxTitles(fake))
	if sampled == 0 || sampled > 500 {
		t.Fatalf("%d recipients in the sample of 40 %% of 1000", sampled)
	}
	if c.Status != models.StatusSending || c.ABDecideAt == nil {
		t.Fatalf("waiting campaign is %s, decide at %v", c.Status, c.ABDecideAt)
	}
	time.Sleep(time.Until(*c.ABDecideAt))
	h.restart()
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	if c.ABWinner == nil || *c.ABWinner != 0 {
		t.Fatalf("winner %v, want A (0)", c.ABWinner)
	}
	h.checkInvariants(c, 1000)
	h.checkVariants(c, 1000, mxTitles(fake), 0)
}

// TestABConfirmedWinner: with confirm, the wait ends in the operator's
// pick; the engine sends nothing more until then, a variant the campaign
// lacks is refused, and a second pick is a conflict.
func TestABConfirmedWinner(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	c := h.abCampaign(acct, 600, &draft.ABTest{SamplePercent: 30, WaitSeconds: 1, Metric: draft.MetricClick, Confirm: true}, 40, 30, 30)
	h.start()
	h.send(c)
	c = h.waitPhase(c.ID, models.ABChoose)
	tasks := len(fake.Tasks())
	time.Sleep(200 * time.Millisecond)
	if got := len(fake.Tasks()); got != tasks || c.Status != models.StatusSending {
		t.Fatalf("%d tasks after %d while awaiting the pick; status %s", got, tasks, c.Status)
	}
	ctx := context.Background()
	var ve *models.ValidationError
	if _, err := h.engine.ChooseWinner(ctx, c.ID, 3, "ops@example.com"); !errors.As(err, &ve) || ve.Fields["variant"].ID == "" {
		t.Fatalf("variant 3 of 3: %v", err)
	}
	if _, err := h.engine.ChooseWinner(ctx, c.ID, 2, "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.engine.ChooseWinner(ctx, c.ID, 1, "ops@example.com"); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("second pick: %v, want a conflict", err)
	}
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	if c.ABDecidedBy != "ops@example.com" {
		t.Fatalf("decided by %q", c.ABDecidedBy)
	}
	h.checkInvariants(c, 600)
	h.checkVariants(c, 600, mxTitles(fake), 2)
}

// TestABPersonalizedVariants: the split happens when batches are frozen,
// the rendering when they are sent, so each recipient gets its variant's
// text rendered with its own attributes (the fallback without one).
func TestABPersonalizedVariants(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	const n = 400
	var in []models.DeviceInput
	for i, cid := range cids(n) {
		attrs := models.Attributes{}
		if i%2 == 0 {
			attrs["name"] = "Ann"
		}
		in = append(in, models.DeviceInput{CID: cid, Attributes: &attrs})
	}
	if _, err := h.store.UpsertDevices(context.Background(), acct.ID, in); err != nil {
		t.Fatal(err)
	}
	d := draft.Draft{Name: "ab personal", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: cids(n)},
		Variants: []draft.Variant{
			{Name: "A", Share: 50, Message: providers.Message{Type: providers.TypeNotification, Title: "Plain A", Body: "Same for all"}},
			{Name: "B", Share: 50, Message: providers.Message{Type: providers.TypeNotification, Title: `Hi {{ name | default: "there" }}`, Body: "B"}},
		}}
	c, _, err := h.engine.CreateCampaign(context.Background(), d, "test", models.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 15*time.Second, models.StatusCompleted)
	h.checkInvariants(c, n)
	split := newSplitter(c, d)
	titles := mxTitles(fake)
	for i, cid := range cids(n) {
		v, _ := split.place(cid)
		want := "Plain A"
		if v == 1 {
			want = "Hi there"
			if i%2 == 0 {
				want = "Hi Ann"
			}
		}
		if got := titles[cid]; len(got) != 1 || got[0] != want {
			t.Fatalf("%s (variant %d) got %v, want once %q", cid, v, got, want)
		}
	}
}
