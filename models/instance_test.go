package models

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestLeaderLease(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := s.WithClock(func() time.Time { return now })
	steps := []struct {
		name    string
		advance time.Duration
		owner   string
		want    bool
	}{
		{"first taker gets it", 0, "a", true},
		{"another is refused while it runs", time.Second, "b", false},
		{"the holder renews", 4 * time.Second, "a", true},
		{"still refused just before expiry", 9 * time.Second, "b", false},
		{"taken over once expired", 2 * time.Second, "b", true},
		{"the old holder is refused", 0, "a", false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			now = now.Add(st.advance)
			got, err := at.AcquireLease(ctx, "leader", st.owner, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if got != st.want {
				t.Errorf("%s acquired = %v, want %v", st.owner, got, st.want)
			}
		})
	}
	if o, err := at.LeaseOwner(ctx, "leader"); err != nil || o != "b" {
		t.Errorf("owner %q (%v), want b", o, err)
	}
	if err := at.ReleaseLease(ctx, "leader", "a"); err != nil {
		t.Fatal(err)
	}
	if o, _ := at.LeaseOwner(ctx, "leader"); o != "b" {
		t.Errorf("a released b's lease: owner %q", o)
	}
	if err := at.ReleaseLease(ctx, "leader", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, err := at.AcquireLease(ctx, "leader", "a", 10*time.Second); err != nil || !ok {
		t.Errorf("after a release the lease is free: got %v (%v)", ok, err)
	}
}

// TestLeaderLeaseRace has many contenders acquire at once: exactly one wins.
func TestLeaderLeaseRace(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	var wg sync.WaitGroup
	winners := 0
	for i := range 16 {
		wg.Go(func() {
			ok, err := s.AcquireLease(ctx, "race", string(rune('a'+i)), time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				winners++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if winners != 1 {
		t.Errorf("%d winners, want 1", winners)
	}
}

func TestReapInstances(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := s.WithClock(func() time.Time { return now })
	a := mustCreateAccount(t, s)
	c := mustCreateCampaign(t, s, a, Audience{Kind: "cid", Values: []string{"x1", "x2", "x3"}})
	if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
		t.Fatal(err)
	}
	if err := at.FreezeBatches(ctx, c.ID, []NewBatch{{Target: []byte(`{"kind":"cid"}`), Recipients: []string{"x1"}}, {Target: []byte(`{"kind":"cid"}`), Recipients: []string{"x2"}}}, "x2", true); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"dead", "alive"} {
		if err := at.Heartbeat(ctx, Instance{ID: id, Host: "h", PID: 1}, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := at.ClaimBatches(ctx, "dead", time.Hour, 0, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := at.ClaimBatches(ctx, "alive", time.Hour, 0, 1); err != nil {
		t.Fatal(err)
	}
	now = now.Add(8 * time.Second)
	if err := at.Heartbeat(ctx, Instance{ID: "alive"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got, err := at.ReapInstances(ctx, "alive"); err != nil || len(got) != 0 {
		t.Fatalf("reaped %+v (%v) before any expiry", got, err)
	}
	now = now.Add(3 * time.Second)
	live, err := at.LiveInstances(ctx)
	if err != nil || len(live) != 1 || live[0].ID != "alive" {
		t.Fatalf("live %+v (%v), want only alive", live, err)
	}
	got, err := at.ReapInstances(ctx, "alive")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "dead" || got[0].Batches != 1 {
		t.Fatalf("reaped %+v, want dead with its one batch", got)
	}
	// The dead instance's batch is free again although its own lease runs
	// for an hour; the live instance's is not.
	bs, err := at.ClaimBatches(ctx, "alive", time.Hour, 0, 5)
	if err != nil || len(bs) != 1 {
		t.Fatalf("claimed %d (%v) after the reap, want the dead instance's 1", len(bs), err)
	}
	if err := at.Heartbeat(ctx, Instance{ID: "dead", Host: "h"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if live, _ := at.LiveInstances(ctx); len(live) != 2 {
		t.Errorf("a stalled instance's heartbeat registers it again: %d live", len(live))
	}
}

func TestSharedSetupToken(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	first, err := s.SharedSetupToken(ctx, "token-of-a")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.SharedSetupToken(ctx, "token-of-b")
	if err != nil {
		t.Fatal(err)
	}
	if first != "token-of-a" || second != "token-of-a" {
		t.Errorf("tokens %q and %q, want both the first instance's", first, second)
	}
}
