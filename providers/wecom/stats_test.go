package wecom

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// TestStatistics: the request is exactly {"time_type": day} with the token
// in the query; the app's own line is picked out of the answer.
func TestStatistics(t *testing.T) {
	srv := wecomfake.New(t)
	srv.SetAppName("通知")
	srv.AddOtherApp(1000009, "other", 50, 60)
	c := newClient(t, srv, nil, nil)
	// 17:00 UTC is already the next day in China.
	c.now = (&clock{t: time.Date(2025, 1, 1, 17, 0, 0, 0, time.UTC)}).Now
	ctx := context.Background()
	if _, err := c.Send(ctx, textTo(providers.AudienceUserID, "hi", "u1", "u2", "u3")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		day  int
		want providers.AppStat
		body string
	}{
		{"today", Today, providers.AppStat{AgentID: wecomfake.DefaultAgentID, AppName: "通知", Date: "2025-01-02", Count: 3}, `{"time_type":0}`},
		{"yesterday", Yesterday, providers.AppStat{AgentID: wecomfake.DefaultAgentID, AppName: "通知", Date: "2025-01-01", Count: 0}, `{"time_type":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Statistics(ctx, tc.day)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			if last.Path != wecomfake.PathStatistics || last.Method != http.MethodPost || last.Query.Get("access_token") == "" || string(last.Body) != tc.body {
				t.Fatalf("request %s %s %v %s", last.Method, last.Path, last.Query, last.Body)
			}
		})
	}
}

func TestStatisticsOwnAppMissingCountsZero(t *testing.T) {
	srv := wecomfake.New(t)
	// Credentials of another app of the same corp: the fake answers with
	// its own app (1000002) only.
	var creds map[string]any
	if err := json.Unmarshal(srv.Credentials(), &creds); err != nil {
		t.Fatal(err)
	}
	creds["agent_id"] = 1000003
	raw, err := json.Marshal(creds)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv, raw, nil)
	c.now = (&clock{t: time.Date(2025, 6, 30, 15, 59, 0, 0, time.UTC)}).Now
	got, err := c.Statistics(context.Background(), Today)
	if err != nil || got != (providers.AppStat{AgentID: 1000003, Date: "2025-06-30"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestStatisticsFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault func(*wecomfake.Server)
		class providers.Class
		code  string
		calls int
	}{
		{"busy", func(s *wecomfake.Server) { s.BusyNext(1) }, providers.Retry, "-1", 1},
		{"frequency limit", func(s *wecomfake.Server) { s.RateLimitNext(1) }, providers.Retry, "45009", 1},
		{"no permission", func(s *wecomfake.Server) { s.ErrcodeNext(1, 48002, "api forbidden") }, providers.Permanent, "48002", 1},
		{"http 502", func(s *wecomfake.Server) { s.FailNext(1, http.StatusBadGateway) }, providers.Retry, "http_502", 1},
		{"malformed", func(s *wecomfake.Server) { s.MalformedNext(1) }, providers.Retry, codeBadResponse, 1},
		{"token refused twice", func(s *wecomfake.Server) { s.ErrcodeNext(2, 42001, "access_token expired") }, providers.Reauth, "42001", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomfake.New(t)
			c := newClient(t, srv, nil, nil)
			tc.fault(srv)
			_, err := c.Statistics(context.Background(), Today)
			wantClass(t, err, tc.class, tc.code)
			if got := srv.Count(wecomfake.PathStatistics); got != tc.calls {
				t.Fatalf("statistics calls = %d, want %d", got, tc.calls)
			}
		})
	}
	t.Run("bad day refused before any call", func(t *testing.T) {
		srv := wecomfake.New(t)
		c := newClient(t, srv, nil, nil)
		_, err := c.Statistics(context.Background(), 2)
		wantClass(t, err, providers.Permanent, "40058")
		if n := len(srv.Requests()); n != 0 {
			t.Fatalf("%d calls", n)
		}
	})
}

// TestStatisticsTokenRefusedMidRun: a token that expired or was revoked
// since the last call is fetched again and the call retried once.
func TestStatisticsTokenRefusedMidRun(t *testing.T) {
	for name, breakTokens := range map[string]func(*wecomfake.Server){
		"expired 42001": (*wecomfake.Server).ExpireTokens, "invalidated 40014": (*wecomfake.Server).InvalidateTokens,
	} {
		t.Run(name, func(t *testing.T) {
			srv := wecomfake.New(t)
			c := newClient(t, srv, nil, nil)
			ctx := context.Background()
			if _, err := c.Send(ctx, textTo(providers.AudienceUserID, "hi", "u1")); err != nil {
				t.Fatal(err)
			}
			breakTokens(srv)
			got, err := c.Statistics(ctx, Today)
			if err != nil || got.Count != 1 {
				t.Fatalf("got %+v, %v", got, err)
			}
			if n := srv.Count(wecomfake.PathToken); n != 2 {
				t.Fatalf("gettoken calls = %d, want 2", n)
			}
			if n := srv.Count(wecomfake.PathStatistics); n != 2 {
				t.Fatalf("statistics calls = %d, want 2 (refused, retried)", n)
			}
		})
	}
}
