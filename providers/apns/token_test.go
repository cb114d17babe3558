package apns

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
)

// TestTokenReuseAndRefresh sends every few minutes of a fake clock that
// the fake judges token age by: the token is reused, refreshed between 20
// and 60 minutes old, and never changed faster than every 20 minutes.
func TestTokenReuseAndRefresh(t *testing.T) {
	f := apnsfake.New(t)
	c := newTestClient(t, f)
	clk := &fakeClock{t: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)}
	c.now = clk.now
	f.SetClock(clk.now)
	tok := deviceTokens(1)
	for step := 0; step < 60; step++ { // five hours in 5-minute steps
		if _, err := c.Send(context.Background(), alertRequest(tok...)); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		clk.advance(5 * time.Minute)
	}
	changes := f.TokenChanges()
	if len(changes) < 5 || len(changes) > 16 {
		t.Fatalf("%d provider tokens in five hours, want one every 20–60 minutes", len(changes))
	}
	for i := 1; i < len(changes); i++ {
		if d := changes[i].Sub(changes[i-1]); d < tokenMinAge || d > time.Hour {
			t.Errorf("token %d came %v after the one before", i, d)
		}
	}
}

// TestExpiredTokenAfterClockJump: a token the fake finds over an hour old
// (the machine slept) is refused, replaced once, and the send goes through.
func TestExpiredTokenAfterClockJump(t *testing.T) {
	f := apnsfake.New(t)
	c := newTestClient(t, f)
	clk := &fakeClock{t: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)}
	c.now = func() time.Time { return clk.now().Add(-2 * time.Hour) } // the client's clock is behind
	f.SetClock(clk.now)
	if _, err := c.Send(context.Background(), alertRequest(deviceTokens(1)...)); err == nil {
		t.Fatal("a token the fake sees as two hours old was accepted")
	}
	c.now = clk.now
	if _, err := c.Send(context.Background(), alertRequest(deviceTokens(1)...)); err != nil {
		t.Fatal(err)
	}
}

// TestOneRefreshAtATime: many requests finding the token due get one new
// token between them.
func TestOneRefreshAtATime(t *testing.T) {
	f := apnsfake.New(t)
	c := newTestClient(t, f)
	clk := &fakeClock{t: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)}
	c.now = clk.now
	first, err := c.token()
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(tokenRefreshAge)
	var wg sync.WaitGroup
	got := make([]string, 64)
	for i := range got {
		wg.Go(func() {
			tok, err := c.token()
			if err != nil {
				t.Error(err)
			}
			got[i] = tok.jwt
		})
	}
	wg.Wait()
	for _, tok := range got {
		if tok == first.jwt || tok != got[0] {
			t.Fatal("concurrent refreshes produced different tokens")
		}
	}
	// A refused token is replaced once, and not again within tokenMinAge.
	if _, ok, err := c.renew(got[0]); !ok || err != nil {
		t.Fatalf("first renewal refused: %v", err)
	}
	cur, _ := c.token()
	if _, ok, _ := c.renew(cur.jwt); ok {
		t.Fatal("a second renewal within 20 minutes")
	}
}

// TestConcurrentStreams: a batch goes out as concurrent HTTP/2 streams,
// never more than the client's bound.
func TestConcurrentStreams(t *testing.T) {
	f := apnsfake.New(t)
	c := newTestClient(t, f)
	f.SetDelay(20 * time.Millisecond)
	res, err := c.Send(context.Background(), alertRequest(deviceTokens(MaxRecipients)...))
	if err != nil || len(res.Outcomes) != 0 {
		t.Fatalf("send: %v %+v", err, res.Outcomes)
	}
	if p := f.PeakConcurrent(); p <= 1 || p > maxStreams {
		t.Fatalf("peak %d concurrent streams, want 2..%d", p, maxStreams)
	}
	if len(f.Delivered()) != MaxRecipients {
		t.Fatalf("%d tokens delivered", len(f.Delivered()))
	}
}

// TestVerify: the dummy token's BadDeviceToken proves the account; a
// refused key is the matching error.
func TestVerify(t *testing.T) {
	f := apnsfake.New(t)
	c := newTestClient(t, f)
	if err := c.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Another key under the same key id: APNs refuses the signature.
	c2 := newTestClient(t, f)
	c2.acct.key = otherKey(t)
	err := c2.Verify(context.Background())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Class != providers.Reauth || pe.Code != "InvalidProviderToken" {
		t.Fatalf("verify with a wrong key: %v", err)
	}
	if n := len(f.Delivered()); n != 0 {
		t.Fatalf("verify delivered to %d devices", n)
	}
}

func otherKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
