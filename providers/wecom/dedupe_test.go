package wecom

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// TestDedupeWindow: the engine's window turns the duplicate check on for
// that many seconds (rounded up); the message's own explicit interval wins
// when longer; no window leaves the message's options as they were.
func TestDedupeWindow(t *testing.T) {
	tests := []struct {
		name      string
		window    time.Duration
		opts      providers.WeComOptions
		check     float64
		secs      float64
		refusedAs string
	}{
		{"no window", 0, providers.WeComOptions{}, 0, 1800, ""},
		{"no window, message asks", 0, providers.WeComOptions{DuplicateCheck: true, DuplicateCheckInterval: time.Minute}, 1, 60, ""},
		{"window", 13 * time.Minute, providers.WeComOptions{}, 1, 780, ""},
		{"window rounded up", 1500 * time.Millisecond, providers.WeComOptions{}, 1, 2, ""},
		{"longer explicit interval wins", 13 * time.Minute, providers.WeComOptions{DuplicateCheckInterval: time.Hour}, 1, 3600, ""},
		{"shorter explicit interval loses", 13 * time.Minute, providers.WeComOptions{DuplicateCheck: true, DuplicateCheckInterval: time.Minute}, 1, 780, ""},
		{"window at 4 h", 4 * time.Hour, providers.WeComOptions{}, 1, 14400, ""},
		{"window over 4 h", 4*time.Hour + time.Second, providers.WeComOptions{}, 0, 0, "40058"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomfake.New(t)
			c := newClient(t, srv, nil, nil)
			req := textTo(providers.AudienceCID, "hi", "alice")
			req.Message.WeCom = tc.opts
			req.DedupeWindow = tc.window
			_, err := c.Send(context.Background(), req)
			if tc.refusedAs != "" {
				wantClass(t, err, providers.Permanent, tc.refusedAs)
				if n := srv.Count(wecomfake.PathSend); n != 0 {
					t.Errorf("%d send calls for a refused request", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b := lastSendBody(t, srv)
			if b["enable_duplicate_check"] != tc.check || b["duplicate_check_interval"] != tc.secs {
				t.Errorf("enable_duplicate_check %v, duplicate_check_interval %v; want %v, %v", b["enable_duplicate_check"], b["duplicate_check_interval"], tc.check, tc.secs)
			}
		})
	}
}

// TestRetryIsTheSameBytes: sending the same request again — from the same
// client after a lost answer, or from a new client as after a restart —
// sends byte-identical JSON, which the duplicate check then drops.
func TestRetryIsTheSameBytes(t *testing.T) {
	srv := wecomfake.New(t)
	req := providers.SendRequest{
		RequestID: "req-0000000001",
		Message: providers.Message{Type: providers.TypeTextCard, Title: "Card", Body: "Body",
			Click: providers.Click{Action: providers.ClickURL, URL: "https://example.com/a?b=c&d=é"},
			WeCom: providers.WeComOptions{EnableIDTrans: true, ButtonText: "详情"}},
		Target:       providers.Target{Kind: providers.AudienceCID, Values: []string{"zoe", "Alice", "bob"}},
		DedupeWindow: 13 * time.Minute,
	}
	first := newClient(t, srv, nil, nil)
	srv.LoseAnswerNext(1, wecomfake.Loss{Status: http.StatusBadGateway})
	if _, err := first.Send(context.Background(), req); err == nil {
		t.Fatal("a lost answer came back as success")
	}
	res1, err := first.Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	res2, err := newClient(t, srv, nil, nil).Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
	for i := 1; i < 3; i++ {
		if !bytes.Equal(msgs[0].Body, msgs[i].Body) {
			t.Errorf("attempt %d sent other bytes:\n%s\n%s", i+1, msgs[0].Body, msgs[i].Body)
		}
		if !msgs[i].Duplicate {
			t.Errorf("attempt %d was delivered again", i+1)
		}
	}
	if res1.TaskID != msgs[0].MsgID || res2.TaskID != msgs[0].MsgID {
		t.Errorf("retries answered msgids %q and %q, want the first message's %q", res1.TaskID, res2.TaskID, msgs[0].MsgID)
	}
}
