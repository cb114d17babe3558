package models

import (
	"context"
	"testing"
	"time"
)

func TestLoginThrottleGrowsAndPrunes(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clockAt(s, &now)
	p := Throttle{MaxFailures: 3, Window: 15 * time.Minute, Lockout: time.Minute, MaxLockout: 8 * time.Minute}
	key := ThrottleKey("account", "a@example.com", "192.0.2.1")
	var locks []time.Duration
	for range 7 {
		until, err := s.RecordLoginFailure(ctx, key, p)
		if err != nil {
			t.Fatal(err)
		}
		if until.IsZero() {
			locks = append(locks, 0)
		} else {
			locks = append(locks, until.Sub(now))
			now = until // wait the lock out, then fail again
		}
	}
	want := []time.Duration{0, 0, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 8 * time.Minute}
	for i := range want {
		if locks[i] != want[i] {
			t.Fatalf("locks %v, want %v", locks, want)
		}
	}
	other := ThrottleKey("account", "a@example.com", "192.0.2.2")
	if until, err := s.LoginLockedUntil(ctx, other); err != nil || !until.IsZero() {
		t.Errorf("another client's key is locked: %v %v", until, err)
	}
	if n, err := s.PruneLoginFailures(ctx, p.Window); err != nil || n != 0 {
		t.Errorf("pruned %d (%v) while the lock is live", n, err)
	}
	now = now.Add(8*time.Minute + p.Window + time.Second)
	if n, err := s.PruneLoginFailures(ctx, p.Window); err != nil || n != 1 {
		t.Errorf("pruned %d (%v), want the quiet key", n, err)
	}
}

func TestThrottleKeysDoNotCollide(t *testing.T) {
	if ThrottleKey("a", "bc") == ThrottleKey("ab", "c") {
		t.Error("part boundaries are lost")
	}
	if len(ThrottleKey("account", string(make([]byte, 1<<20)))) != 64 {
		t.Error("key is not a fixed-size hash")
	}
}
