package getui

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

func singleReq(i int) providers.SendRequest {
	return providers.SendRequest{
		RequestID: fmt.Sprintf("req-token-%04d", i),
		Message:   notify(),
		Target:    providers.Target{Kind: providers.AudienceCID, Values: []string{fmt.Sprintf("cid-%d", i)}},
	}
}

// sendConcurrently sends n single pushes at once and fails on any error.
func sendConcurrently(t *testing.T, c *Client, from, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if _, err := c.Send(context.Background(), singleReq(from+i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Send: %v", err)
	}
}

func TestTokenCache(t *testing.T) {
	t.Run("one auth for many concurrent sends", func(t *testing.T) {
		srv := getuifake.New(t)
		c := newTestClient(t, srv)
		sendConcurrently(t, c, 0, 20)
		if n := srv.AuthCalls(); n != 1 {
			t.Fatalf("auth calls = %d, want 1", n)
		}
		for _, r := range srv.RequestsTo("/push/single/cid") {
			if r.Header.Get("token") == "" {
				t.Fatal("push without token header")
			}
		}
	})

	t.Run("refresh before expiry", func(t *testing.T) {
		srv := getuifake.New(t, getuifake.WithTokenTTL(10*time.Minute))
		c := newTestClient(t, srv)
		var mu sync.Mutex
		offset := time.Duration(0)
		c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(offset) }
		advance := func(d time.Duration) { mu.Lock(); offset = d; mu.Unlock() }

		steps := []struct {
			at        time.Duration
			wantAuths int
		}{
			{0, 1},
			{4 * time.Minute, 1},             // more than 5 minutes left: cached
			{5*time.Minute + time.Second, 2}, // inside the margin: renewed first
		}
		for i, st := range steps {
			advance(st.at)
			if _, err := c.Send(context.Background(), singleReq(i)); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if n := srv.AuthCalls(); n != st.wantAuths {
				t.Fatalf("step %d: auth calls = %d, want %d", i, n, st.wantAuths)
			}
		}
		if n := countRoute(srv, "/push/single/cid"); n != len(steps) {
			t.Fatalf("pushes = %d, want %d (no 10001 round trip)", n, len(steps))
		}
	})

	t.Run("token expired mid-run: one refresh and one retry", func(t *testing.T) {
		srv := getuifake.New(t)
		c := newTestClient(t, srv)
		sendConcurrently(t, c, 0, 1)
		srv.ExpireTokens()
		sendConcurrently(t, c, 100, 10)
		if n := srv.AuthCalls(); n != 2 {
			t.Fatalf("auth calls = %d, want 2", n)
		}
		// 1 before and 10 that succeeded; those sent with the stale token
		// (at least the first) were refused with 10001 and retried once.
		if n := countRoute(srv, "/push/single/cid"); n < 12 || n > 21 {
			t.Fatalf("pushes = %d, want 12..21", n)
		}
	})

	t.Run("refused again after refresh: Reauth", func(t *testing.T) {
		srv := getuifake.New(t, getuifake.WithTokenTTL(0)) // every token is born expired
		c := newTestClient(t, srv)
		_, err := c.Send(context.Background(), singleReq(0))
		pe := wantError(t, err, providers.Reauth, "10001")
		if pe.Msg == "" {
			t.Error("Reauth error without GeTui's message")
		}
		if n, p := srv.AuthCalls(), countRoute(srv, "/push/single/cid"); n != 2 || p != 2 {
			t.Fatalf("auth calls = %d, pushes = %d, want 2 and 2", n, p)
		}
	})

	t.Run("auth rate limited: Retry after a minute, no push", func(t *testing.T) {
		srv := getuifake.New(t)
		srv.SetAuthLimit(0)
		c := newTestClient(t, srv)
		_, err := c.Send(context.Background(), singleReq(0))
		if pe := wantError(t, err, providers.Retry, "10003"); pe.RetryAfter != time.Minute {
			t.Errorf("RetryAfter = %s, want 1m", pe.RetryAfter)
		}
		if n := countRoute(srv, "/push/single/cid"); n != 0 {
			t.Fatalf("pushes = %d, want 0", n)
		}
	})
}
