package dispatch

import (
	"context"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// waitRun waits until the definition has its nth run and returns it.
func (h *harness) waitRun(id int64, nth int) models.Campaign {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, err := h.store.RecurringRuns(context.Background(), id, 100)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(runs) >= nth {
			return runs[len(runs)-nth] // newest first
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("recurring %d has %d runs, want %d", id, len(runs), nth)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// taskTitles maps every recipient of the tasks to the titles it got.
func taskTitles(tasks []mxfake.Task) map[string][]string {
	out := map[string][]string{}
	for _, task := range tasks {
		for _, v := range task.Values {
			out[v] = append(out[v], task.Request.Message.Title)
		}
	}
	return out
}

// TestABRecurringOccurrences: a recurring campaign with a test first runs
// the whole test at every occurrence: each run has its variants, its own
// split (the hash takes the run's campaign id), its own sample, wait and
// winner, and reaches every recipient once. The fake's figures flip
// between the days, so the two runs pick different winners.
func TestABRecurringOccurrences(t *testing.T) {
	fake := mxfake.New(t)
	fake.SetReceivedPercent("A", 95)
	fake.SetReceivedPercent("B", 50)
	h := newHarness(t, Config{Workers: 2})
	clock := &fakeClock{t: berlin(t, 2026, time.May, 4, 8, 0)}
	h.clocked(clock)
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	const n = 600
	d := draft.Draft{Name: "Daily A/B", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: cids(n)},
		Options: draft.Options{ABTest: &draft.ABTest{SamplePercent: 40, WaitSeconds: 600, Metric: draft.MetricReceived}}}
	for _, name := range []string{"A", "B"} {
		d.Variants = append(d.Variants, draft.Variant{Name: name, Share: 50,
			Message: providers.Message{Type: providers.TypeNotification, Title: name, Body: "Variant " + name}})
	}
	r, err := h.engine.CreateRecurring(context.Background(), d, RepeatRule{Every: "daily", At: "09:00", Timezone: "Europe/Berlin", Count: 2}, "test")
	if err != nil {
		t.Fatal(err)
	}
	h.start()

	runDay := func(day, winner int) (models.Campaign, map[string][]string) {
		t.Helper()
		before := len(fake.Tasks())
		clock.Set(berlin(t, 2026, time.May, day, 9, 0).Add(30 * time.Second))
		c := h.waitRun(r.ID, day-3)
		if c.Variants == "" {
			t.Fatalf("run %d of day %d has no variants", c.ID, day)
		}
		c = h.waitPhase(c.ID, models.ABWait)
		sampled := len(taskTitles(fake.Tasks()[before:]))
		if sampled < n/4 || sampled > n/2 {
			t.Fatalf("day %d: %d recipients in the 40 %% sample of %d", day, sampled, n)
		}
		// Ten minutes later by the store's clock, the wait is over.
		clock.Set(c.ABDecideAt.Add(time.Second))
		c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
		if c.ABWinner == nil || *c.ABWinner != winner || c.ABDecidedBy != "engine" {
			t.Fatalf("day %d: winner %v by %q, want %d by the engine", day, c.ABWinner, c.ABDecidedBy, winner)
		}
		h.checkInvariants(c, n)
		titles := taskTitles(fake.Tasks()[before:])
		h.checkVariants(c, n, titles, winner)
		return c, titles
	}
	first, _ := runDay(4, 0)
	fake.SetReceivedPercent("A", 50)
	fake.SetReceivedPercent("B", 95)
	second, _ := runDay(5, 1)

	if first.ID == second.ID || first.Nonce == second.Nonce {
		t.Fatalf("runs %d and %d share a campaign or a nonce", first.ID, second.ID)
	}
	// The runs' samples are different recipients: the split hashes each
	// run's own campaign id.
	d1, err := draft.Of(first)
	if err != nil {
		t.Fatal(err)
	}
	s1 := newSplitter(models.Campaign{ID: first.ID, ABPhase: models.ABSample}, d1)
	s2 := newSplitter(models.Campaign{ID: second.ID, ABPhase: models.ABSample}, d1)
	same := 0
	for _, cid := range cids(n) {
		_, in1 := s1.place(cid)
		_, in2 := s2.place(cid)
		if in1 == in2 {
			same++
		}
	}
	if same == n {
		t.Fatalf("both runs sampled the same recipients")
	}
}

// TestABRecurringOverlap: a run still awaiting its winner when the next
// slot comes does not hold the next run back, and the two runs' picks are
// their own: the operator picks B for the first and A for the second, and
// each run sends its own pick to its own rest.
func TestABRecurringOverlap(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 2})
	clock := &fakeClock{t: berlin(t, 2026, time.May, 4, 8, 0)}
	h.clocked(clock)
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	const n = 300
	d := draft.Draft{Name: "Overlapping A/B", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: cids(n)},
		Options: draft.Options{ABTest: &draft.ABTest{SamplePercent: 30, WaitSeconds: 3600, Metric: draft.MetricReceived, Confirm: true}}}
	for _, name := range []string{"A", "B"} {
		d.Variants = append(d.Variants, draft.Variant{Name: name, Share: 50,
			Message: providers.Message{Type: providers.TypeNotification, Title: name, Body: "Variant " + name}})
	}
	ctx := context.Background()
	r, err := h.engine.CreateRecurring(ctx, d, RepeatRule{Every: "daily", At: "09:00", Timezone: "Europe/Berlin", Count: 2}, "test")
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	clock.Set(berlin(t, 2026, time.May, 4, 9, 0).Add(30 * time.Second))
	first := h.waitPhase(h.waitRun(r.ID, 1).ID, models.ABWait)
	clock.Set(first.ABDecideAt.Add(time.Second))
	first = h.waitPhase(first.ID, models.ABChoose)
	sampled1 := taskTitles(fake.Tasks())

	// The next day, the first run still awaits its pick.
	clock.Set(berlin(t, 2026, time.May, 5, 9, 0).Add(30 * time.Second))
	second := h.waitPhase(h.waitRun(r.ID, 2).ID, models.ABWait)
	clock.Set(second.ABDecideAt.Add(time.Second))
	second = h.waitPhase(second.ID, models.ABChoose)
	if got := h.waitPhase(first.ID, models.ABChoose); got.ABWinner != nil {
		t.Fatalf("first run took a winner %v it was not given", got.ABWinner)
	}
	if _, err := h.engine.ChooseWinner(ctx, second.ID, 0, "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	second = h.waitStatus(second.ID, 10*time.Second, models.StatusCompleted)
	if _, err := h.engine.ChooseWinner(ctx, first.ID, 1, "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	first = h.waitStatus(first.ID, 10*time.Second, models.StatusCompleted)
	if *first.ABWinner != 1 || *second.ABWinner != 0 {
		t.Fatalf("winners %d and %d, want 1 and 0", *first.ABWinner, *second.ABWinner)
	}
	// Each run's pushes, told apart by their batches' request ids: every
	// recipient once per run, with its run's variant.
	runOf := map[string]int64{}
	for _, c := range []models.Campaign{first, second} {
		var ids []string
		if err := h.store.DB().Raw(`SELECT request_id FROM batches WHERE campaign_id = ?`, c.ID).Scan(&ids).Error; err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			runOf[id] = c.ID
		}
	}
	perRun := map[int64][]mxfake.Task{}
	for _, task := range fake.Tasks() {
		perRun[runOf[task.RequestID]] = append(perRun[runOf[task.RequestID]], task)
	}
	for _, c := range []models.Campaign{first, second} {
		h.checkInvariants(c, n)
		h.checkVariants(c, n, taskTitles(perRun[c.ID]), *c.ABWinner)
	}
	if len(sampled1) == 0 || len(perRun[first.ID])+len(perRun[second.ID]) != len(fake.Tasks()) {
		t.Fatalf("%d tasks, %d and %d told apart by run", len(fake.Tasks()), len(perRun[first.ID]), len(perRun[second.ID]))
	}
}
