package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// zoned registers devices in three zones plus one without a zone, on a
// sandbox account with quiet hours 22:00–08:00.
func (h *harness) zoned() (models.ProviderAccount, map[string]string) {
	h.t.Helper()
	ctx := context.Background()
	acct := h.account(string(providers.KindSandbox), "", json.RawMessage(`{}`))
	acct, err := h.store.SetQuietHours(ctx, acct.ID, "22:00", "08:00")
	if err != nil {
		h.t.Fatal(err)
	}
	zones := map[string]string{"tokyo-1": "Asia/Tokyo", "tokyo-2": "Asia/Tokyo", "berlin-1": "Europe/Berlin",
		"ny-1": "America/New_York", "ny-2": "America/New_York", "nozone-1": ""}
	var in []models.DeviceInput
	for cid, z := range zones {
		in = append(in, models.DeviceInput{CID: cid, Timezone: &z})
	}
	if _, err := h.store.UpsertDevices(ctx, acct.ID, in); err != nil {
		h.t.Fatal(err)
	}
	return acct, zones
}

// sent lists the campaign's recipients that have an outcome, sorted.
func (h *harness) sent(id int64) []string {
	h.t.Helper()
	var out []string
	if err := h.store.DB().Raw(`SELECT recipient FROM deliveries WHERE campaign_id = ? ORDER BY recipient`, id).Scan(&out).Error; err != nil {
		h.t.Fatal(err)
	}
	return out
}

// waitSent waits until exactly want have an outcome, then checks that no
// other recipient gets one within a few engine ticks.
func (h *harness) waitSent(id int64, want ...string) {
	h.t.Helper()
	sort.Strings(want)
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(h.sent(id), want) {
		if time.Now().After(deadline) {
			h.t.Fatalf("sent %v, want %v", h.sent(id), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond)
	if got := h.sent(id); !slices.Equal(got, want) {
		h.t.Fatalf("sent %v, want only %v", got, want)
	}
}

// TestLocalTimeAcrossZones: "09:00 in each recipient's zone", started at
// 01:00 UTC, reaches Berlin (and the zoneless device, in the campaign's
// Berlin zone) at 07:00 UTC, New York at 13:00 UTC, and Tokyo — whose
// 09:00 had passed — at 00:00 UTC the next day; none inside the quiet
// hours.
func TestLocalTimeAcrossZones(t *testing.T) {
	h := newHarness(t, Config{})
	clock := &fakeClock{t: time.Date(2026, time.June, 1, 1, 0, 0, 0, time.UTC)}
	h.clocked(clock)
	acct, zones := h.zoned()
	all := []string{"tokyo-1", "tokyo-2", "berlin-1", "ny-1", "ny-2", "nozone-1"}
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: all},
		draft.Options{LocalTime: "09:00", Timezone: "Europe/Berlin", Marketing: true})
	h.start()
	h.send(c)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := h.store.CampaignDueHours(context.Background(), c.ID, 48)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 3 {
			want := []string{"2026-06-01T07:00:00Z 2", "2026-06-01T13:00:00Z 2", "2026-06-02T00:00:00Z 2"}
			for i, g := range got {
				if s := fmt.Sprintf("%s %d", g.Hour.Format(time.RFC3339), g.Recipients); s != want[i] {
					t.Errorf("due hour %d: %s, want %s", i, s, want[i])
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("due hours %+v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.waitSent(c.ID)
	clock.Set(time.Date(2026, time.June, 1, 7, 0, 30, 0, time.UTC))
	h.waitSent(c.ID, "berlin-1", "nozone-1")
	clock.Set(time.Date(2026, time.June, 1, 13, 0, 30, 0, time.UTC))
	h.waitSent(c.ID, "berlin-1", "nozone-1", "ny-1", "ny-2")
	clock.Set(time.Date(2026, time.June, 2, 0, 0, 30, 0, time.UTC))
	h.waitSent(c.ID, all...)
	h.waitStatus(c.ID, 5*time.Second, models.StatusCompleted)

	// Each batch was first sent at 09:00 local, outside 22:00–08:00.
	var bs []models.Batch
	if err := h.store.DB().Where("campaign_id = ?", c.ID).Find(&bs).Error; err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		var rs []string
		if err := h.store.DB().Raw(`SELECT recipients FROM batch_recipients WHERE batch_id = ?`, b.ID).Pluck("recipients", &rs).Error; err != nil || len(rs) != 1 {
			t.Fatal(err)
		}
		var cids []string
		if err := json.Unmarshal([]byte(rs[0]), &cids); err != nil {
			t.Fatal(err)
		}
		zone := zones[cids[0]]
		if zone == "" {
			zone = "Europe/Berlin"
		}
		loc, _ := time.LoadLocation(zone)
		at := b.FirstAttemptAt.In(loc)
		if at.Hour() != 9 || inWindow(at, 22*60, 8*60) {
			t.Errorf("batch %v (%s) first sent at %v local", cids, zone, at)
		}
	}
}

// TestQuietHours: at 14:00 UTC a marketing campaign reaches Berlin (16:00)
// and New York (10:00) at once, and Tokyo (23:00, inside 22:00–08:00) at
// 08:00 Tokyo time; a campaign not marked marketing ignores quiet hours.
func TestQuietHours(t *testing.T) {
	h := newHarness(t, Config{})
	clock := &fakeClock{t: time.Date(2026, time.June, 1, 14, 0, 0, 0, time.UTC)}
	h.clocked(clock)
	acct, _ := h.zoned()
	all := []string{"tokyo-1", "tokyo-2", "berlin-1", "ny-1", "ny-2", "nozone-1"}
	marketing := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: all}, draft.Options{Marketing: true})
	notice := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: all}, draft.Options{})
	h.start()
	h.send(marketing)
	h.send(notice)
	h.waitStatus(notice.ID, 5*time.Second, models.StatusCompleted)
	h.waitSent(marketing.ID, "berlin-1", "ny-1", "ny-2", "nozone-1")
	clock.Set(time.Date(2026, time.June, 1, 22, 59, 0, 0, time.UTC)) // 07:59 in Tokyo
	h.waitSent(marketing.ID, "berlin-1", "ny-1", "ny-2", "nozone-1")
	clock.Set(time.Date(2026, time.June, 1, 23, 0, 5, 0, time.UTC))
	h.waitSent(marketing.ID, all...)
	h.waitStatus(marketing.ID, 5*time.Second, models.StatusCompleted)
}
