package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// TestABLocalTime: a test-first campaign with local-time delivery sends
// its sample at 09:00 in each recipient's zone, starts the wait only once
// the last zone's sample is out, and sends the winner to the rest at the
// next 09:00 in each zone after the pick — not at once because the first
// day's 09:00 has passed. Started at 01:00 UTC, the sample reaches Berlin
// at 07:00 UTC, New York at 13:00 and Tokyo at 00:00 the next day; the
// winner is picked an hour later, and the rest follows at the same hours
// a day later.
func TestABLocalTime(t *testing.T) {
	fake := mxfake.New(t)
	fake.SetReceivedPercent("A", 50)
	fake.SetReceivedPercent("B", 95)
	h := newHarness(t, Config{Workers: 2})
	clock := &fakeClock{t: time.Date(2026, time.June, 1, 1, 0, 0, 0, time.UTC)}
	h.clocked(clock)
	ctx := context.Background()
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	zones := []string{"Europe/Berlin", "America/New_York", "Asia/Tokyo"}
	const perZone = 120
	zoneOf := map[string]string{}
	var all []string
	var in []models.DeviceInput
	for zi, z := range zones {
		for i := range perZone {
			cid := fmt.Sprintf("cid-%d-%04d", zi, i)
			zoneOf[cid] = z
			all = append(all, cid)
			in = append(in, models.DeviceInput{CID: cid, Timezone: &z})
		}
	}
	if _, err := h.store.UpsertDevices(ctx, acct.ID, in); err != nil {
		t.Fatal(err)
	}
	d := draft.Draft{Name: "ab local", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: all},
		Options: draft.Options{LocalTime: "09:00", ABTest: &draft.ABTest{SamplePercent: 40, WaitSeconds: 3600, Metric: draft.MetricReceived}}}
	for _, name := range []string{"A", "B"} {
		d.Variants = append(d.Variants, draft.Variant{Name: name, Share: 50,
			Message: providers.Message{Type: providers.TypeNotification, Title: name, Body: "Variant " + name}})
	}
	c, _, err := h.engine.CreateCampaign(ctx, d, "test", models.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	split := newSplitter(models.Campaign{ID: c.ID, ABPhase: models.ABSample}, d)
	sample, rest := map[string][]string{}, map[string][]string{}
	for _, cid := range all {
		if _, ok := split.place(cid); ok {
			sample[zoneOf[cid]] = append(sample[zoneOf[cid]], cid)
		} else {
			rest[zoneOf[cid]] = append(rest[zoneOf[cid]], cid)
		}
	}
	for _, z := range zones {
		if len(sample[z]) == 0 || len(rest[z]) == 0 {
			t.Fatalf("zone %s: %d sampled, %d in the rest", z, len(sample[z]), len(rest[z]))
		}
	}
	var want []string
	step := func(at time.Time, phase models.ABPhase, add ...[]string) models.Campaign {
		t.Helper()
		clock.Set(at)
		for _, a := range add {
			want = append(want, a...)
		}
		h.waitSent(c.ID, want...)
		got := h.waitPhase(c.ID, phase)
		return got
	}
	h.start()
	h.send(c)
	step(time.Date(2026, time.June, 1, 1, 0, 0, 0, time.UTC), models.ABSample)
	step(time.Date(2026, time.June, 1, 7, 0, 30, 0, time.UTC), models.ABSample, sample["Europe/Berlin"])
	step(time.Date(2026, time.June, 1, 13, 0, 30, 0, time.UTC), models.ABSample, sample["America/New_York"])
	// The last zone's sample ends the sample: the wait runs from here.
	sampleDone := time.Date(2026, time.June, 2, 0, 0, 30, 0, time.UTC)
	c = step(sampleDone, models.ABWait, sample["Asia/Tokyo"])
	if c.ABDecideAt == nil || !c.ABDecideAt.Equal(sampleDone.Add(time.Hour)) {
		t.Fatalf("decide at %v, want an hour after the sample ended (%v)", c.ABDecideAt, sampleDone)
	}
	// Picked at 01:00 UTC: the rest is frozen into batches at once, and
	// waits for each zone's next 09:00.
	clock.Set(sampleDone.Add(time.Hour + time.Second))
	c = h.waitPhase(c.ID, models.ABRest)
	if c.ABWinner == nil || *c.ABWinner != 1 {
		t.Fatalf("winner %v, want B (1)", c.ABWinner)
	}
	for deadline := time.Now().Add(10 * time.Second); !c.Planned; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the rest is not planned")
		}
		if c, err = h.store.CampaignHead(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	h.waitSent(c.ID, want...)
	step(time.Date(2026, time.June, 2, 7, 0, 30, 0, time.UTC), models.ABRest, rest["Europe/Berlin"])
	step(time.Date(2026, time.June, 2, 13, 0, 30, 0, time.UTC), models.ABRest, rest["America/New_York"])
	step(time.Date(2026, time.June, 3, 0, 0, 30, 0, time.UTC), models.ABRest, rest["Asia/Tokyo"])
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.checkInvariants(c, len(all))
	titles := mxTitles(fake)
	rows := h.deliveryVariants(c.ID)
	for _, cid := range all {
		v, inSample := split.place(cid)
		if !inSample {
			v = 1
		}
		if got := titles[cid]; len(got) != 1 || got[0] != d.Variants[v].Name || rows[cid] != v {
			t.Fatalf("%s pushed %v, row variant %d; want once variant %d", cid, got, rows[cid], v)
		}
	}
	// Every batch, sample or rest, was first sent at 09:00 in its zone.
	var bs []models.Batch
	if err := h.store.DB().Where("campaign_id = ?", c.ID).Find(&bs).Error; err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		var rs []string
		if err := h.store.DB().Raw(`SELECT recipients FROM batch_recipients WHERE batch_id = ?`, b.ID).Pluck("recipients", &rs).Error; err != nil || len(rs) != 1 {
			t.Fatal(err)
		}
		var members []string
		if err := json.Unmarshal([]byte(rs[0]), &members); err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation(zoneOf[members[0]])
		if at := b.FirstAttemptAt.In(loc); at.Hour() != 9 {
			t.Errorf("batch %d (variant %d, %s) first sent at %v local", b.Seq, b.Variant, zoneOf[members[0]], at)
		}
	}
}

// TestABQuietHours: a marketing test-first campaign (no local time) whose
// winner is picked inside the account's quiet hours sends the rest when
// they end, in each recipient's zone; the sample went at once, outside
// them. Started at 00:00 UTC (09:00 in Tokyo) with a 13-hour wait, the
// pick falls at 22:00 Tokyo time, and the rest goes at 08:00 Tokyo time.
func TestABQuietHours(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 2})
	start := time.Date(2026, time.June, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: start}
	h.clocked(clock)
	ctx := context.Background()
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	acct, err := h.store.SetQuietHours(ctx, acct.ID, "22:00", "08:00")
	if err != nil {
		t.Fatal(err)
	}
	tokyo := "Asia/Tokyo"
	var in []models.DeviceInput
	for _, cid := range cids(300) {
		in = append(in, models.DeviceInput{CID: cid, Timezone: &tokyo})
	}
	if _, err := h.store.UpsertDevices(ctx, acct.ID, in); err != nil {
		t.Fatal(err)
	}
	d := draft.Draft{Name: "ab quiet", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: cids(300)},
		Options: draft.Options{Marketing: true, ABTest: &draft.ABTest{SamplePercent: 30, WaitSeconds: 13 * 3600, Metric: draft.MetricReceived}}}
	for _, name := range []string{"A", "B"} {
		d.Variants = append(d.Variants, draft.Variant{Name: name, Share: 50,
			Message: providers.Message{Type: providers.TypeNotification, Title: name, Body: "Variant " + name}})
	}
	c, _, err := h.engine.CreateCampaign(ctx, d, "test", models.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	split := newSplitter(models.Campaign{ID: c.ID, ABPhase: models.ABSample}, d)
	var sample []string
	for _, cid := range cids(300) {
		if _, ok := split.place(cid); ok {
			sample = append(sample, cid)
		}
	}
	h.start()
	h.send(c)
	h.waitSent(c.ID, sample...)
	c = h.waitPhase(c.ID, models.ABWait)
	// 13:00:01 UTC is 22:00:01 in Tokyo: inside the quiet hours.
	clock.Set(c.ABDecideAt.Add(time.Second))
	c = h.waitPhase(c.ID, models.ABRest)
	for deadline := time.Now().Add(10 * time.Second); !c.Planned; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the rest is not planned")
		}
		if c, err = h.store.CampaignHead(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	h.waitSent(c.ID, sample...)
	clock.Set(time.Date(2026, time.June, 1, 23, 0, 30, 0, time.UTC)) // 08:00:30 in Tokyo
	h.waitSent(c.ID, cids(300)...)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.checkInvariants(c, 300)
	h.checkVariants(c, 300, mxTitles(fake), *c.ABWinner)
}
