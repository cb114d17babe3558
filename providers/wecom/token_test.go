package wecom

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

func TestTokenSharedByConcurrentSends(t *testing.T) {
	srv := wecomfake.New(t)
	srv.SetDelay(100 * time.Millisecond) // every caller arrives while gettoken is in flight
	c := newClient(t, srv, nil, nil)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "hi", "user"+string(rune('a'+i))))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if got := srv.Count(wecomfake.PathToken); got != 1 {
		t.Fatalf("gettoken calls = %d, want 1", got)
	}
	if got := srv.Count(wecomfake.PathSend); got != n {
		t.Fatalf("send calls = %d, want %d", got, n)
	}
}

func TestTokenRefreshedFiveMinutesBeforeExpiry(t *testing.T) {
	srv := wecomfake.New(t) // expires_in 7200
	c := newClient(t, srv, nil, nil)
	clk := &clock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	c.now = clk.Now
	send := func() {
		t.Helper()
		if _, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "hi", "u1")); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	steps := []struct {
		name       string
		advance    time.Duration
		wantTokens int
	}{
		{name: "first send fetches", wantTokens: 1},
		{name: "cached inside lifetime", advance: 7200*time.Second - refreshMargin - time.Second, wantTokens: 1},
		{name: "refreshed five minutes early", advance: 2 * time.Second, wantTokens: 2},
		{name: "new token cached", advance: time.Minute, wantTokens: 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clk.Advance(st.advance)
			send()
			if got := srv.Count(wecomfake.PathToken); got != st.wantTokens {
				t.Fatalf("gettoken calls = %d, want %d", got, st.wantTokens)
			}
		})
	}
}

func TestTokenRefusedMidRun(t *testing.T) {
	tests := []struct {
		name        string
		breakTokens func(*wecomfake.Server)
		wantCode    int
	}{
		{name: "expired 42001", breakTokens: (*wecomfake.Server).ExpireTokens, wantCode: 42001},
		{name: "invalidated 40014", breakTokens: (*wecomfake.Server).InvalidateTokens, wantCode: 40014},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomfake.New(t)
			c := newClient(t, srv, nil, nil)
			if _, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "one", "u1")); err != nil {
				t.Fatalf("first Send: %v", err)
			}
			tc.breakTokens(srv)
			res, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "two", "u1"))
			if err != nil {
				t.Fatalf("Send after token loss: %v", err)
			}
			if res.TaskID == "" {
				t.Fatal("no msgid")
			}
			if got := srv.Count(wecomfake.PathToken); got != 2 {
				t.Errorf("gettoken calls = %d, want 2", got)
			}
			reqs := srv.Requests()
			var codes []int
			for _, r := range reqs {
				if r.Path == wecomfake.PathSend {
					codes = append(codes, r.ErrCode)
				}
			}
			if len(codes) != 3 || codes[1] != tc.wantCode || codes[2] != 0 {
				t.Fatalf("send errcodes = %v, want [0 %d 0]", codes, tc.wantCode)
			}
			if len(srv.Messages()) != 2 {
				t.Fatalf("delivered %d messages, want 2", len(srv.Messages()))
			}
		})
	}
}

func TestTokenRefusedTwiceIsReauth(t *testing.T) {
	srv := wecomfake.New(t)
	c := newClient(t, srv, nil, nil)
	srv.ErrcodeNext(2, 42001, "access_token expired")
	_, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "hi", "u1"))
	wantClass(t, err, providers.Reauth, "42001")
	if got := srv.Count(wecomfake.PathSend); got != 2 {
		t.Fatalf("send calls = %d, want exactly one retry", got)
	}
	// The refused token was dropped: the next send fetches a third one.
	if _, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "hi", "u1")); err != nil {
		t.Fatalf("Send after reauth: %v", err)
	}
	if got := srv.Count(wecomfake.PathToken); got != 3 {
		t.Fatalf("gettoken calls = %d, want 3", got)
	}
}

func TestTokenRefusalHeld(t *testing.T) {
	srv := wecomfake.New(t)
	creds := json.RawMessage(`{"corp_id":"` + wecomfake.DefaultCorpID + `","corp_secret":"reset-secret","agent_id":1000002}`)
	c := newClient(t, srv, creds, nil)
	for range 3 {
		_, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "hi", "u1"))
		wantClass(t, err, providers.Permanent, "40001")
	}
	if got := srv.Count(wecomfake.PathToken); got != 1 {
		t.Fatalf("gettoken calls = %d, want 1 (refusal held against the IP ban)", got)
	}
	// Verify asks again.
	wantClass(t, c.Verify(context.Background()), providers.Permanent, "40001")
	if got := srv.Count(wecomfake.PathToken); got != 2 {
		t.Fatalf("gettoken calls after Verify = %d, want 2", got)
	}
}

func TestTokenFetchFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*wecomfake.Server)
		hc        *http.Client
		wantClass providers.Class
		wantCode  string
	}{
		{name: "gettoken 503", setup: func(s *wecomfake.Server) { s.FailTokenNext(1, 503) }, wantClass: providers.Retry, wantCode: "http_503"},
		{name: "gettoken timeout", setup: func(s *wecomfake.Server) { s.SetDelay(300 * time.Millisecond) },
			hc: &http.Client{Timeout: 50 * time.Millisecond}, wantClass: providers.Retry, wantCode: "timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomfake.New(t)
			tc.setup(srv)
			c := newClient(t, srv, nil, tc.hc)
			_, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "hi", "u1"))
			wantClass(t, err, tc.wantClass, tc.wantCode)
			if strings.Contains(err.Error(), wecomfake.DefaultCorpSecret) {
				t.Fatalf("error leaks the corp secret: %v", err)
			}
			if srv.Count(wecomfake.PathSend) != 0 {
				t.Fatal("send attempted without a token")
			}
		})
	}
}

func TestRefreshAfter(t *testing.T) {
	tests := []struct {
		ttl, want time.Duration
	}{
		{7200 * time.Second, 6900 * time.Second},
		{10 * time.Minute, 5 * time.Minute},
		{60 * time.Second, 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.ttl.String(), func(t *testing.T) {
			if got := refreshAfter(tc.ttl); got != tc.want {
				t.Fatalf("refreshAfter(%s) = %s, want %s", tc.ttl, got, tc.want)
			}
		})
	}
}

func TestTokenWaitBoundedByCallerContext(t *testing.T) {
	srv := wecomfake.New(t)
	srv.SetDelay(200 * time.Millisecond)
	c := newClient(t, srv, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Send(ctx, textTo(providers.AudienceUserID, "hi", "u1"))
	wantClass(t, err, providers.Retry, "timeout")
	// The fetch outlives the impatient caller and serves the next one.
	if _, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "hi", "u1")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.Count(wecomfake.PathToken); got != 1 {
		t.Fatalf("gettoken calls = %d, want 1", got)
	}
}
