package dispatch

import (
	"context"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// TestLocalTimePauseAndCancel: pausing a local-time campaign after Berlin's
// hour holds New York past its own; resuming sends New York at once (its
// hour has come) and leaves Tokyo for its 09:00; cancelling then ends
// Tokyo's recipients unsent, so nothing reaches them when their hour comes.
func TestLocalTimePauseAndCancel(t *testing.T) {
	h := newHarness(t, Config{})
	clock := &fakeClock{t: time.Date(2026, time.June, 1, 1, 0, 0, 0, time.UTC)}
	h.clocked(clock)
	acct, _ := h.zoned()
	all := []string{"tokyo-1", "tokyo-2", "berlin-1", "ny-1", "ny-2", "nozone-1"}
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: all},
		draft.Options{LocalTime: "09:00", Timezone: "Europe/Berlin"})
	h.start()
	h.send(c)
	ctx := context.Background()
	clock.Set(time.Date(2026, time.June, 1, 7, 0, 30, 0, time.UTC))
	h.waitSent(c.ID, "berlin-1", "nozone-1")
	if _, err := h.engine.Pause(ctx, c.ID, "ops"); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, time.June, 1, 13, 0, 30, 0, time.UTC))
	h.waitSent(c.ID, "berlin-1", "nozone-1") // New York's hour, but paused
	if _, err := h.engine.Resume(ctx, c.ID, "ops"); err != nil {
		t.Fatal(err)
	}
	h.waitSent(c.ID, "berlin-1", "nozone-1", "ny-1", "ny-2")
	if _, err := h.engine.Cancel(ctx, c.ID, "ops"); err != nil {
		t.Fatal(err)
	}
	c = h.waitStatus(c.ID, 5*time.Second, models.StatusCancelled)
	clock.Set(time.Date(2026, time.June, 2, 0, 0, 30, 0, time.UTC))
	time.Sleep(200 * time.Millisecond)
	tot := c.Totals()
	if tot.Accepted != 4 || tot.Pending != 0 || tot.Failed != 2 {
		t.Fatalf("totals after cancel: %+v, want 4 accepted and Tokyo's 2 ended unsent", tot)
	}
	var tokyo []models.Delivery
	if err := h.store.DB().Where("campaign_id = ? AND recipient LIKE 'tokyo-%'", c.ID).Find(&tokyo).Error; err != nil {
		t.Fatal(err)
	}
	if len(tokyo) != 2 {
		t.Fatalf("Tokyo's recipients have %d delivery rows, want 2", len(tokyo))
	}
	for _, d := range tokyo {
		if d.Status != models.DeliveryFailed {
			t.Errorf("%s ended %s after the cancel, want failed (unsent)", d.Recipient, d.Status)
		}
	}
}
