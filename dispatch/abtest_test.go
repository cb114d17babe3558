package dispatch

import (
	"context"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// abCampaign creates a campaign of n recipients with variants titled by
// their names.
func (h *harness) abCampaign(acct models.ProviderAccount, n int, test *draft.ABTest, shares ...int) models.Campaign {
	h.t.Helper()
	d := draft.Draft{Name: "ab", ProviderID: acct.ID, Group: "spring-ab", Audience: models.Audience{Kind: "cid", Values: cids(n)},
		Options: draft.Options{ABTest: test}}
	for i, sh := range shares {
		name := string(rune('A' + i))
		d.Variants = append(d.Variants, draft.Variant{Name: name, Share: sh,
			Message: providers.Message{Type: providers.TypeNotification, Title: name, Body: "Variant " + name}})
	}
	c, _, err := h.engine.CreateCampaign(context.Background(), d, "test", models.Idempotency{})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// deliveryVariants maps each delivery row's recipient to its batch's variant.
func (h *harness) deliveryVariants(id int64) map[string]int {
	h.t.Helper()
	var rows []struct {
		Recipient string
		Variant   int
	}
	err := h.store.DB().Raw(`SELECT d.recipient, b.variant FROM deliveries d JOIN batches b ON b.campaign_id = d.campaign_id AND b.seq = d.batch_seq WHERE d.campaign_id = ?`, id).Scan(&rows).Error
	if err != nil {
		h.t.Fatal(err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Recipient] = r.Variant
	}
	return out
}

// mxTitles maps every recipient the MX fake pushed to the titles it got.
func mxTitles(fake *mxfake.Server) map[string][]string {
	out := map[string][]string{}
	for _, task := range fake.Tasks() {
		for _, v := range task.Values {
			out[v] = append(out[v], task.Request.Message.Title)
		}
	}
	return out
}

// checkVariants: every recipient was pushed once, with the title of the
// variant the split gives it (the winner for the rest), and its delivery
// row names that variant.
func (h *harness) checkVariants(c models.Campaign, n int, titles map[string][]string, winner int) {
	h.t.Helper()
	d, err := draft.Of(c)
	if err != nil {
		h.t.Fatal(err)
	}
	sample := newSplitter(models.Campaign{ID: c.ID, ABPhase: models.ABSample}, d)
	rows := h.deliveryVariants(c.ID)
	for _, cid := range cids(n) {
		want, inSample := sample.place(cid)
		if d.Options.ABTest != nil && !inSample {
			want = winner
		}
		if got := titles[cid]; len(got) != 1 || got[0] != d.Variants[want].Name {
			h.t.Fatalf("%s pushed %v, want once with %q", cid, got, d.Variants[want].Name)
		}
		if rows[cid] != want {
			h.t.Fatalf("%s delivery row in variant %d, want %d", cid, rows[cid], want)
		}
	}
}

// TestABSplitSendsEachVariant: without a test, each recipient gets the
// variant its hash gives, in batches of one variant each.
func TestABSplitSendsEachVariant(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	c := h.abCampaign(acct, 1500, nil, 30, 70)
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.checkInvariants(c, 1500)
	h.checkVariants(c, 1500, mxTitles(fake), -1)
	for _, task := range fake.Tasks() {
		if task.Request.Setting == nil || task.Request.Setting.RequestID == "" {
			t.Fatalf("task %d without its own request id", task.ID)
		}
	}
}

// TestABTestFirstReceivedRate: MX push reports no clicks, so a click test
// is judged by the received rate; the variant the fake reports better is
// sent to the rest, and no recipient gets two pushes.
func TestABTestFirstReceivedRate(t *testing.T) {
	fake := mxfake.New(t)
	fake.SetReceivedPercent("A", 50)
	fake.SetReceivedPercent("B", 90)
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	c := h.abCampaign(acct, 2000, &draft.ABTest{SamplePercent: 20, WaitSeconds: 1, Metric: draft.MetricClick}, 50, 50)
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 15*time.Second, models.StatusCompleted)
	if c.ABWinner == nil || *c.ABWinner != 1 || c.ABPhase != models.ABRest || c.ABDecidedBy != "engine" {
		t.Fatalf("winner %v phase %q by %q, want B (1) picked by the engine", c.ABWinner, c.ABPhase, c.ABDecidedBy)
	}
	h.checkInvariants(c, 2000)
	h.checkVariants(c, 2000, mxTitles(fake), 1)
	res, err := h.engine.ABResults(context.Background(), c)
	if err != nil || res.Metric != draft.MetricReceived {
		t.Fatalf("results %+v %v, want judged by received", res, err)
	}
}

// TestABTestFirstClickRate: GeTui reports clicks; the variant clicked
// more wins and goes to the rest, each recipient pushed once.
func TestABTestFirstClickRate(t *testing.T) {
	fake := getuifake.New(t)
	fake.SetClickPercent("A", 40)
	fake.SetClickPercent("B", 5)
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("getui", fake.URL(), fake.Credentials())
	c := h.abCampaign(acct, 2000, &draft.ABTest{SamplePercent: 30, WaitSeconds: 1, Metric: draft.MetricClick}, 50, 50)
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 15*time.Second, models.StatusCompleted)
	if c.ABWinner == nil || *c.ABWinner != 0 {
		t.Fatalf("winner %v, want A (0)", c.ABWinner)
	}
	h.checkInvariants(c, 2000)
	titles := map[string][]string{}
	for cid, n := range fake.Delivered() {
		for range n {
			titles[cid] = append(titles[cid], "?")
		}
	}
	rows := h.deliveryVariants(c.ID)
	for _, cid := range cids(2000) {
		if len(titles[cid]) != 1 {
			t.Fatalf("%s pushed %d times", cid, len(titles[cid]))
		}
	}
	// The report after the rest: the winner's rate over all its sends.
	h.engine.PollCampaign(context.Background(), c)
	res, err := h.engine.ABResults(context.Background(), c)
	if err != nil || res.Metric != draft.MetricClick || res.Leader != 0 || !res.Compared.Enough || res.Compared.Z < 3 {
		t.Fatalf("results %+v %v", res, err)
	}
	if len(rows) != 2000 {
		t.Fatalf("%d delivery rows", len(rows))
	}
	// Every variant's tasks are in the campaign's task group: GeTui's
	// group report counts all of them.
	if g, ok := fake.GroupCounts("spring-ab"); !ok || g.MsgNum != 2000 {
		t.Fatalf("group report %+v (%v), want all 2000 pushes", g, ok)
	}
}
