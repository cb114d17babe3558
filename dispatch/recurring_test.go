package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// fakeClock is the time the store (and so the scheduler and the claims)
// sees; tests move it by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// clocked rebuilds the harness's engine over a store reading clock.
func (h *harness) clocked(clock *fakeClock) {
	h.store = h.store.WithClock(clock.Now)
	h.engine = New(h.store, testRegistry(), h.engine.cfg, h.engine.log)
}

// restart stops the engine and starts a new one over the same database,
// as a restarted server would.
func (h *harness) restart() {
	h.stop()
	h.engine = New(h.store, testRegistry(), h.engine.cfg, h.engine.log)
	h.start()
}

func berlin(t *testing.T, y int, m time.Month, d, hh, mm int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

func (h *harness) recurring(rule RepeatRule) models.Recurring {
	h.t.Helper()
	acct := h.account(string(providers.KindSandbox), "", json.RawMessage(`{}`))
	d := draft.Draft{Name: "Morning", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: cids(3)},
		Message: providers.Message{Type: providers.TypeNotification, Title: "Hello", Body: "World"}}
	r, err := h.engine.CreateRecurring(context.Background(), d, rule, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// waitRuns waits until the definition has n runs, all finished, and
// returns them oldest first.
func (h *harness) waitRuns(id int64, n int) []models.Campaign {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, err := h.store.RecurringRuns(context.Background(), id, 100)
		if err != nil {
			h.t.Fatal(err)
		}
		done := len(runs) == n
		for _, c := range runs {
			done = done && c.Status == models.StatusCompleted
		}
		if done {
			for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
				runs[i], runs[j] = runs[j], runs[i]
			}
			return runs
		}
		if time.Now().After(deadline) || len(runs) > n {
			h.t.Fatalf("recurring %d has %d runs, want %d finished", id, len(runs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRecurringAcrossDST: a daily 09:00 Berlin rule runs at 08:00 UTC in
// winter time and at 07:00 UTC after the clocks go forward, each run its
// own campaign with its own totals.
func TestRecurringAcrossDST(t *testing.T) {
	h := newHarness(t, Config{})
	clock := &fakeClock{t: berlin(t, 2026, time.March, 27, 10, 0)}
	h.clocked(clock)
	r := h.recurring(RepeatRule{Every: "daily", At: "09:00", Timezone: "Europe/Berlin", Count: 3})
	if want := berlin(t, 2026, time.March, 28, 9, 0); !r.NextRunAt.Equal(want) {
		t.Fatalf("first run at %v, want %v", r.NextRunAt, want)
	}
	h.start()
	for day := 28; day <= 30; day++ {
		clock.Set(berlin(t, 2026, time.March, day, 9, 0).Add(30 * time.Second))
		h.waitRuns(r.ID, day-27)
	}
	runs := h.waitRuns(r.ID, 3)
	wantUTC := []string{"2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"}
	for i, c := range runs {
		if got := c.RunSlot.UTC().Format(time.RFC3339); got != wantUTC[i] {
			t.Errorf("run %d slot %s, want %s", i, got, wantUTC[i])
		}
		if c.Recipients != 3 || c.Accepted+c.Invalid+c.Failed != 3 {
			t.Errorf("run %d totals %+v", i, c.Totals())
		}
	}
	if runs[0].Nonce == runs[1].Nonce {
		t.Errorf("runs share request-id nonce %q", runs[0].Nonce)
	}
	got, err := h.store.RecurringByID(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != models.RecurringEnded || got.NextRunAt != nil || got.Runs != 3 {
		t.Errorf("after its count: status %s next %v runs %d", got.Status, got.NextRunAt, got.Runs)
	}
}

// TestRecurringRestart: slots missed while the server was down start one
// run at start-up, and starting again does not run the slot twice.
func TestRecurringRestart(t *testing.T) {
	h := newHarness(t, Config{})
	clock := &fakeClock{t: berlin(t, 2026, time.October, 20, 10, 0)}
	h.clocked(clock)
	r := h.recurring(RepeatRule{Every: "daily", At: "09:00", Timezone: "Europe/Berlin"})
	// Down over three slots (the 21st, 22nd and 23rd at 09:00).
	clock.Set(berlin(t, 2026, time.October, 23, 12, 0))
	h.start()
	runs := h.waitRuns(r.ID, 1)
	if want := berlin(t, 2026, time.October, 23, 9, 0); !runs[0].RunSlot.Equal(want) {
		t.Errorf("collapsed run for %v, want the latest slot %v", runs[0].RunSlot, want)
	}
	h.restart()
	h.restart()
	time.Sleep(300 * time.Millisecond) // several scheduler ticks
	h.waitRuns(r.ID, 1)
	got, err := h.store.RecurringByID(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := berlin(t, 2026, time.October, 24, 9, 0); got.NextRunAt == nil || !got.NextRunAt.Equal(want) {
		t.Errorf("next run %v, want %v", got.NextRunAt, want)
	}
	// The schema itself refuses a second run of the slot.
	c, _, err := h.store.CreateCampaign(context.Background(), models.NewCampaign{Name: "dup", ProviderID: got.ProviderID,
		Audience: models.Audience{Kind: "cid", Values: []string{"a"}}, Message: json.RawMessage(`{}`), RecurringID: &got.ID, RunSlot: runs[0].RunSlot})
	if err == nil {
		t.Errorf("second run %d of the same slot was stored", c.ID)
	}
	// Paused, it starts nothing; resumed, it continues at the next slot.
	if _, err := h.engine.PauseRecurring(context.Background(), r.ID); err != nil {
		t.Fatal(err)
	}
	clock.Set(berlin(t, 2026, time.October, 26, 9, 30))
	time.Sleep(300 * time.Millisecond)
	h.waitRuns(r.ID, 1)
	res, err := h.engine.ResumeRecurring(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := berlin(t, 2026, time.October, 27, 9, 0); res.NextRunAt == nil || !res.NextRunAt.Equal(want) {
		t.Errorf("resumed next run %v, want %v", res.NextRunAt, want)
	}
	if _, err := h.engine.EndRecurring(context.Background(), r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.engine.ResumeRecurring(context.Background(), r.ID); !errors.Is(err, models.ErrConflict) {
		t.Errorf("resume after end: %v, want a conflict", err)
	}
}
