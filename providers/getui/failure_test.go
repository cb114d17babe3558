package getui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

func cids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("cid-%05d", i)
	}
	return out
}

func TestRefusedBeforeAnyCall(t *testing.T) {
	link := providers.Message{Type: providers.TypeLink, Title: "t", Body: "b"}
	mutable := notify()
	mutable.IOS.MutableContent = true
	vendor := notify()
	vendor.Vendor = map[string]json.RawMessage{"nokia": json.RawMessage(`{}`)}
	longTTL := notify()
	longTTL.TTL = 73 * time.Hour
	tests := []struct {
		name     string
		req      providers.SendRequest
		wantCode string
	}{
		{"1001 cids", providers.SendRequest{Message: notify(), Target: providers.Target{Kind: providers.AudienceCID, Values: cids(1001)}}, "audience"},
		{"1001 aliases", providers.SendRequest{Message: notify(), Target: providers.Target{Kind: providers.AudienceAlias, Values: cids(1001)}}, "audience"},
		{"empty list", providers.SendRequest{Message: notify(), Target: providers.Target{Kind: providers.AudienceCID}}, "audience"},
		{"too many tags", providers.SendRequest{Message: notify(), Target: providers.Target{Kind: providers.AudienceTag, Values: cids(MaxTags + 1)}}, "audience"},
		{"bad condition key", providers.SendRequest{Message: notify(), Target: providers.Target{Kind: providers.AudienceConditions,
			Conditions: []providers.Condition{{Key: "city", Values: []string{"x"}}}}}, "audience"},
		{"bad condition op", providers.SendRequest{Message: notify(), Target: providers.Target{Kind: providers.AudienceConditions,
			Conditions: []providers.Condition{{Key: "region", Values: []string{"x"}, Op: "xor"}}}}, "audience"},
		{"user_id audience", providers.SendRequest{Message: notify(), Target: providers.Target{Kind: providers.AudienceUserID, Values: []string{"u"}}}, "audience"},
		{"wecom message type", providers.SendRequest{Message: providers.Message{Type: providers.TypeText, Body: "x"},
			Target: providers.Target{Kind: providers.AudienceAll}}, "message_type"},
		{"short request id", providers.SendRequest{RequestID: "short", Message: notify(), Target: providers.Target{Kind: providers.AudienceAll}}, "request_id"},
		{"link without url", providers.SendRequest{Message: link, Target: providers.Target{Kind: providers.AudienceAll}}, "click_type"},
		{"mutable content", providers.SendRequest{Message: mutable, Target: providers.Target{Kind: providers.AudienceAll}}, "ios"},
		{"unknown vendor", providers.SendRequest{Message: vendor, Target: providers.Target{Kind: providers.AudienceAll}}, "vendor"},
		{"ttl over 3 days", providers.SendRequest{Message: longTTL, Target: providers.Target{Kind: providers.AudienceAll}}, "ttl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := getuifake.New(t)
			c := newTestClient(t, srv)
			if tc.req.RequestID == "" {
				tc.req.RequestID = "refused-request-1"
			}
			_, err := c.Send(context.Background(), tc.req)
			wantError(t, err, providers.Permanent, tc.wantCode)
			if n := len(srv.Requests()); n != 0 {
				t.Fatalf("%d requests reached the server", n)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	longTitle := notify()
	longTitle.Title = strings.Repeat("长", 51)
	tests := []struct {
		name      string
		setup     func(*getuifake.Server)
		msg       providers.Message
		target    providers.Target
		wantClass providers.Class
		wantCode  string
		wantMsg   string
		wantWait  time.Duration // exact RetryAfter; -1: any positive
		limited   bool          // a push-back on the account's rate
	}{
		{name: "5xx", setup: func(s *getuifake.Server) { s.FailNext(1, 503) },
			wantClass: providers.Retry, wantCode: "http_503"},
		{name: "404 is permanent", setup: func(s *getuifake.Server) { s.FailNext(1, 404) },
			wantClass: providers.Permanent, wantCode: "http_404"},
		{name: "api frequency limit", setup: func(s *getuifake.Server) { s.FailNextCode(1, 10005, "api calls per minute over limit") },
			wantClass: providers.Retry, wantCode: "10005", wantWait: time.Minute, limited: true},
		{name: "list push frequency limit", setup: func(s *getuifake.Server) { s.FailNextCode(1, 30015, "list push per minute over limit") },
			wantClass: providers.Retry, wantCode: "30015", wantWait: time.Minute, limited: true},
		{name: "system busy", setup: func(s *getuifake.Server) { s.FailNextCode(1, 30019, "system busy") },
			wantClass: providers.Retry, wantCode: "30019", wantWait: 5 * time.Second},
		{name: "service starting", setup: func(s *getuifake.Server) { s.FailNextCode(1, 2, "starting") },
			wantClass: providers.Retry, wantCode: "2", wantWait: 5 * time.Second},
		{name: "daily quota", setup: func(s *getuifake.Server) { s.FailNextCode(1, 30009, "daily push total over limit") },
			wantClass: providers.Retry, wantCode: "30009", wantWait: -1},
		{name: "blacklisted is permanent", setup: func(s *getuifake.Server) { s.FailNextCode(1, 10002, "appId or ip in blacklist") },
			wantClass: providers.Permanent, wantCode: "10002", wantMsg: "appId or ip in blacklist"},
		{name: "param error from the fake", msg: longTitle,
			wantClass: providers.Permanent, wantCode: "20001", wantMsg: "title size over limit"},
		{name: "malformed JSON", setup: func(s *getuifake.Server) { s.MalformedNext(1) },
			wantClass: providers.Retry, wantCode: "bad_response"},
		{name: "list message 5xx", setup: func(s *getuifake.Server) { s.FailNext(1, 500) },
			target: providers.Target{Kind: providers.AudienceCID, Values: []string{"a", "b"}}, wantClass: providers.Retry, wantCode: "http_500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := getuifake.New(t)
			c := newTestClient(t, srv)
			if err := c.Verify(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(srv)
			}
			if tc.msg.Type == "" {
				tc.msg = notify()
			}
			if tc.target.Kind == "" {
				tc.target = providers.Target{Kind: providers.AudienceCID, Values: []string{"cid-1"}}
			}
			_, err := c.Send(context.Background(), providers.SendRequest{RequestID: "failure-request-1", Message: tc.msg, Target: tc.target})
			pe := wantError(t, err, tc.wantClass, tc.wantCode)
			if tc.wantMsg != "" && pe.Msg != tc.wantMsg {
				t.Errorf("msg = %q, want %q", pe.Msg, tc.wantMsg)
			}
			if pe.RateLimited != tc.limited {
				t.Errorf("RateLimited = %t, want %t", pe.RateLimited, tc.limited)
			}
			switch {
			case tc.wantWait == -1 && (pe.RetryAfter <= 0 || pe.RetryAfter > 24*time.Hour):
				t.Errorf("RetryAfter = %s, want until the next day", pe.RetryAfter)
			case tc.wantWait >= 0 && pe.RetryAfter != tc.wantWait:
				t.Errorf("RetryAfter = %s, want %s", pe.RetryAfter, tc.wantWait)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	srv := getuifake.New(t)
	p, err := New(providers.Config{BaseURL: srv.URL(), Credentials: srv.Credentials(),
		HTTPClient: &http.Client{Timeout: 200 * time.Millisecond},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c := p.(*Client)
	if err := c.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.SetDelay(time.Second)
	_, err = c.Send(context.Background(), singleReq(1))
	wantError(t, err, providers.Retry, "timeout")

	srv.SetDelay(0)
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	_, err = c.Send(ctx, singleReq(2))
	wantError(t, err, providers.Retry, "timeout")
}

func TestBroadcastQuota(t *testing.T) {
	srv := getuifake.New(t)
	c := newTestClient(t, srv)
	for i := range 5 {
		req := providers.SendRequest{RequestID: fmt.Sprintf("broadcast-%04d", i), Message: notify(), Target: providers.Target{Kind: providers.AudienceAll}}
		if _, err := c.Send(context.Background(), req); err != nil {
			t.Fatalf("broadcast %d: %v", i, err)
		}
	}
	req := providers.SendRequest{RequestID: "broadcast-0005", Message: notify(),
		Target: providers.Target{Kind: providers.AudienceTag, Values: []string{"vip"}}}
	_, err := c.Send(context.Background(), req)
	if pe := wantError(t, err, providers.Retry, "30014"); pe.RetryAfter != time.Minute {
		t.Errorf("RetryAfter = %s, want 1m", pe.RetryAfter)
	}
}

func TestInvalidRecipients(t *testing.T) {
	tests := []struct {
		name   string
		target providers.Target
	}{
		{"single cid", providers.Target{Kind: providers.AudienceCID, Values: []string{"bad1"}}},
		{"cid list all invalid", providers.Target{Kind: providers.AudienceCID, Values: []string{"bad1", "bad2"}}},
		{"alias list all invalid", providers.Target{Kind: providers.AudienceAlias, Values: []string{"bad1", "bad2"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := getuifake.New(t)
			srv.SetInvalid("bad1", "bad2")
			c := newTestClient(t, srv)
			res, err := c.Send(context.Background(), providers.SendRequest{RequestID: "invalid-request1", Message: notify(), Target: tc.target})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if len(res.Outcomes) != len(tc.target.Values) {
				t.Fatalf("outcomes = %+v", res.Outcomes)
			}
			for i, o := range res.Outcomes {
				if o.Recipient != tc.target.Values[i] || o.Status != providers.StatusInvalid || o.Code != "20001" || o.Message != "target user is invalid" {
					t.Errorf("outcome %d = %+v", i, o)
				}
			}
		})
	}
}
