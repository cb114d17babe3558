package dispatch

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// TestPollerSnapshots: a normal poll stores the report; a failed poll is
// stored as an error and leaves the figures as they were (stale, never
// zeroed); the next good poll refreshes them.
func TestPollerSnapshots(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	fake.SetBroadcastSize(5000)
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "all"}, draft.Options{})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.stop()
	ctx := context.Background()

	tasks := fake.Tasks()
	if len(tasks) != 1 {
		t.Fatalf("%d tasks", len(tasks))
	}
	fake.SetTaskStats(tasks[0].ID, "huawei", mxfake.Figures{Target: 3000, Sent: 2900, Received: 2500})
	fake.SetTaskStats(tasks[0].ID, "xiaomi", mxfake.Figures{Target: 2000, Sent: 1900, Received: 1700})
	h.engine.PollCampaign(ctx, c)
	f, err := h.engine.CampaignFunnel(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	// The fake reports the broadcast on its own mxpush channel too.
	byChannel := map[string]models.ChannelFigures{}
	for _, ch := range f.Channels {
		byChannel[ch.Channel] = ch
	}
	if !f.Reported || f.Stale || len(f.Channels) != 3 || byChannel["huawei"].Received != 2500 || byChannel["xiaomi"].Sent != 1900 {
		t.Fatalf("after a good poll: %+v", f)
	}
	received := f.Totals.Received

	fake.FailNext(1, http.StatusBadGateway)
	h.engine.PollCampaign(ctx, c)
	f2, err := h.engine.CampaignFunnel(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if !f2.Stale || f2.Totals.Received != received {
		t.Fatalf("after a failed poll the figures must stay and be marked stale: %+v", f2)
	}

	fake.SetTaskStats(tasks[0].ID, "huawei", mxfake.Figures{Target: 3000, Sent: 2900, Received: 2800})
	h.engine.PollCampaign(ctx, c)
	f3, _ := h.engine.CampaignFunnel(ctx, c)
	if f3.Stale || f3.Totals.Received != received+300 {
		t.Fatalf("after recovery: %+v", f3)
	}
	pts, err := h.store.SnapshotSeries(ctx, c.ID, 100)
	if err != nil || len(pts) < 2 || pts[len(pts)-1].Received != received+300 {
		t.Fatalf("series %+v %v", pts, err)
	}
}

// TestPollerGeTuiListReport: a GeTui list push's report makes a snapshot
// whose figures are the provider's, each counted once.
func TestPollerGeTuiListReport(t *testing.T) {
	fake := getuifake.New(t)
	h := newHarness(t, Config{})
	acct := h.account("getui", fake.URL(), fake.Credentials())
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(30)}, draft.Options{})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.stop()
	ctx := context.Background()
	h.engine.PollCampaign(ctx, c)
	snap, stale, err := h.store.LatestSnapshot(ctx, c.ID)
	if err != nil || stale {
		t.Fatalf("snapshot: %v stale=%v", err, stale)
	}
	var chs []providers.ChannelStats
	if err := json.Unmarshal(snap.Channels, &chs); err != nil || len(chs) == 0 {
		t.Fatalf("channels %s: %v", snap.Channels, err)
	}
	f, err := h.engine.CampaignFunnel(ctx, c)
	if err != nil || f.Totals.Target != 30 || f.Totals.Sent != 30 {
		t.Fatalf("funnel %+v %v", f, err)
	}
	// GeTui's own total line is not a channel: kept, it doubled the
	// received / displayed / clicked figures.
	ids, err := h.store.CampaignTaskIDs(ctx, c.ID)
	if err != nil || len(ids) != 1 {
		t.Fatalf("task ids %v %v", ids, err)
	}
	want, _ := fake.TaskCounts(ids[0])
	for _, ch := range f.Channels {
		if ch.Channel == "total" {
			t.Fatalf("a total line among the channels: %+v", f.Channels)
		}
	}
	if f.Totals.Received != want.ReceiveNum || f.Totals.Displayed != want.DisplayNum || f.Totals.Clicked != want.ClickNum {
		t.Fatalf("funnel totals %+v, provider's %+v", f.Totals, want)
	}
	fig, err := h.engine.CampaignFigures(ctx, c.ID)
	if err != nil || fig.Total.Received != want.ReceiveNum {
		t.Fatalf("figures %+v %v, provider's %+v", fig, err, want)
	}
}

// TestRetentionPrunesOldRows: rows of campaigns finished before the
// retention are deleted in chunks; counters and failures stay.
func TestRetentionPrunesOldRows(t *testing.T) {
	h := newHarness(t, Config{Retention: time.Hour})
	acct := h.account("sandbox", "", json.RawMessage(`{}`))
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: []string{"invalid-1", "invalid-2", "invalid-3", "sandbox-0000001"}}, draft.Options{ErrorThreshold: 100})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.stop()
	ctx := context.Background()
	h.engine.pruneDeliveries(ctx)
	if ds, _, _ := h.store.ListDeliveries(ctx, c.ID, models.DeliveryFilter{}); len(ds) != 4 {
		t.Fatalf("recent rows pruned: %d left", len(ds))
	}
	if err := h.store.DB().Exec(`UPDATE campaigns SET finished_at = ? WHERE id = ?`, time.Now().UTC().Add(-2*time.Hour), c.ID).Error; err != nil {
		t.Fatal(err)
	}
	h.engine.pruneDeliveries(ctx)
	if ds, _, _ := h.store.ListDeliveries(ctx, c.ID, models.DeliveryFilter{}); len(ds) != 0 {
		t.Fatalf("old rows kept: %d", len(ds))
	}
	after, _ := h.store.CampaignByID(ctx, c.ID)
	fs, _ := h.store.CampaignFailures(ctx, c.ID)
	if after.Totals() != c.Totals() || len(fs) != 1 {
		t.Fatalf("aggregates changed: %+v → %+v, failures %+v", c.Totals(), after.Totals(), fs)
	}
}

// TestRetentionReachesPastTwentyCampaigns: with more expired campaigns than
// one prune call looks at, the rows of every one of them go, not only
// those of the oldest few.
func TestRetentionReachesPastTwentyCampaigns(t *testing.T) {
	h := newHarness(t, Config{Retention: time.Hour})
	acct := h.account("sandbox", "", json.RawMessage(`{}`))
	var ids []int64
	for range 25 {
		c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(2)}, draft.Options{})
		ids = append(ids, c.ID)
	}
	h.start()
	for _, id := range ids {
		if _, err := h.engine.Send(context.Background(), id, "test"); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		h.waitStatus(id, 20*time.Second, models.StatusCompleted)
	}
	h.stop()
	ctx := context.Background()
	if err := h.store.DB().Exec(`UPDATE campaigns SET finished_at = ?`, time.Now().UTC().Add(-2*time.Hour)).Error; err != nil {
		t.Fatal(err)
	}
	h.engine.pruneDeliveries(ctx)
	for _, id := range ids {
		if ds, _, _ := h.store.ListDeliveries(ctx, id, models.DeliveryFilter{}); len(ds) != 0 {
			t.Errorf("campaign %d kept %d rows past retention", id, len(ds))
		}
	}
}
