package wecom

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

func TestSendPartialInvalid(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*wecomfake.Server)
		target providers.Target
		want   []providers.Outcome
	}{
		{
			name:   "invalid users matched case-insensitively",
			setup:  func(s *wecomfake.Server) { s.SetInvalidUsers("GONE") },
			target: providers.Target{Kind: providers.AudienceUserID, Values: []string{"Alice", "Gone", "bob"}},
			want:   []providers.Outcome{{Recipient: "Gone", Status: providers.StatusInvalid, Code: "invaliduser"}},
		},
		{
			name:   "unlicensed users fail",
			setup:  func(s *wecomfake.Server) { s.SetInvalidUsers("x1"); s.SetUnlicensedUsers("NoLicence") },
			target: providers.Target{Kind: providers.AudienceCID, Values: []string{"X1", "NoLicence", "ok"}},
			want: []providers.Outcome{
				{Recipient: "X1", Status: providers.StatusInvalid, Code: "invaliduser"},
				{Recipient: "NoLicence", Status: providers.StatusFailed, Code: "unlicenseduser"},
			},
		},
		{
			name:   "invalid parties",
			setup:  func(s *wecomfake.Server) { s.SetInvalidParties("3", "7") },
			target: providers.Target{Kind: providers.AudienceParty, Values: []string{"1", "3", "7"}},
			want: []providers.Outcome{
				{Recipient: "3", Status: providers.StatusInvalid, Code: "invalidparty"},
				{Recipient: "7", Status: providers.StatusInvalid, Code: "invalidparty"},
			},
		},
		{
			name:   "invalid tags",
			setup:  func(s *wecomfake.Server) { s.SetInvalidTags("9") },
			target: providers.Target{Kind: providers.AudienceTag, Values: []string{"9", "10"}},
			want:   []providers.Outcome{{Recipient: "9", Status: providers.StatusInvalid, Code: "invalidtag"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomfake.New(t)
			tc.setup(srv)
			c := newClient(t, srv, nil, nil)
			res, err := c.Send(context.Background(), textTo(tc.target.Kind, "hi", tc.target.Values...))
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.TaskID == "" {
				t.Fatal("partial success must still carry the msgid")
			}
			got := make([]providers.Outcome, len(res.Outcomes))
			for i, o := range res.Outcomes {
				if o.Message == "" {
					t.Errorf("outcome %+v has no message", o)
				}
				o.Message = ""
				got[i] = o
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("outcomes\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestSendAllInvalidIs81013(t *testing.T) {
	srv := wecomfake.New(t)
	srv.SetInvalidUsers("a", "b")
	c := newClient(t, srv, nil, nil)
	_, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "hi", "A", "b"))
	pe := wantClass(t, err, providers.Permanent, "81013")
	if !strings.Contains(pe.Msg, "all invalid") {
		t.Fatalf("Msg %q should be WeCom's errmsg", pe.Msg)
	}
	if !pe.AllRecipientsInvalid {
		t.Fatal("81013 must tell the engine that every recipient is invalid")
	}
}

// TestOnlyAllInvalidMarksRecipients: other permanent refusals (bad
// parameters, permissions) say nothing about the recipients.
func TestOnlyAllInvalidMarksRecipients(t *testing.T) {
	for _, code := range []int{40003, 60011, 301002, errFrequencyLimit, errSystemBusy} {
		if codeError(code, "x").AllRecipientsInvalid {
			t.Errorf("errcode %d marked as all recipients invalid", code)
		}
	}
	if !codeError(errAllInvalid, "x").AllRecipientsInvalid {
		t.Error("errcode 81013 not marked as all recipients invalid")
	}
}

func TestSendFaults(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*wecomfake.Server)
		hc        *http.Client
		wantClass providers.Class
		wantCode  string
		wantAfter time.Duration
		wantMsg   string
		limited   bool // a push-back on the account's rate
	}{
		{name: "HTTP 502", setup: func(s *wecomfake.Server) { s.FailNext(1, 502) }, wantClass: providers.Retry, wantCode: "http_502"},
		{name: "HTTP 404", setup: func(s *wecomfake.Server) { s.FailNext(1, 404) }, wantClass: providers.Permanent, wantCode: "http_404"},
		{name: "timeout", setup: func(s *wecomfake.Server) { s.SetDelay(300 * time.Millisecond) },
			hc: &http.Client{Timeout: 100 * time.Millisecond}, wantClass: providers.Retry, wantCode: "timeout"},
		{name: "frequency limit 45009", setup: func(s *wecomfake.Server) { s.RateLimitNext(1) },
			wantClass: providers.Retry, wantCode: "45009", wantAfter: time.Minute, wantMsg: "freq", limited: true},
		{name: "concurrency limit 45033", setup: func(s *wecomfake.Server) { s.ErrcodeNext(1, 45033, "api concurrent out of limit") },
			wantClass: providers.Retry, wantCode: "45033", wantAfter: 2 * time.Second, limited: true},
		{name: "system busy -1", setup: func(s *wecomfake.Server) { s.BusyNext(1) },
			wantClass: providers.Retry, wantCode: "-1", wantAfter: time.Second, wantMsg: "busy"},
		{name: "malformed JSON", setup: func(s *wecomfake.Server) { s.MalformedNext(1) }, wantClass: providers.Retry, wantCode: "bad_response"},
		{name: "untrusted IP 60020", setup: func(s *wecomfake.Server) { s.ErrcodeNext(1, 60020, "not allow to access from your ip") },
			wantClass: providers.Permanent, wantCode: "60020", wantMsg: "not allow to access from your ip"},
		{name: "no permission 48002", setup: func(s *wecomfake.Server) { s.ErrcodeNext(1, 48002, "api forbidden") },
			wantClass: providers.Permanent, wantCode: "48002", wantMsg: "api forbidden"},
		{name: "41001 with a token sent is a bug, not a refresh", setup: func(s *wecomfake.Server) { s.ErrcodeNext(1, 41001, "access_token missing") },
			wantClass: providers.Permanent, wantCode: "41001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomfake.New(t)
			c := newClient(t, srv, nil, tc.hc)
			if err := c.Verify(context.Background()); err != nil { // token cached before the fault
				t.Fatalf("Verify: %v", err)
			}
			tc.setup(srv)
			_, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "hi", "u1"))
			pe := wantClass(t, err, tc.wantClass, tc.wantCode)
			if pe.RetryAfter != tc.wantAfter {
				t.Errorf("RetryAfter = %s, want %s", pe.RetryAfter, tc.wantAfter)
			}
			if pe.RateLimited != tc.limited {
				t.Errorf("RateLimited = %t, want %t", pe.RateLimited, tc.limited)
			}
			if !strings.Contains(pe.Msg, tc.wantMsg) {
				t.Errorf("Msg %q does not contain %q", pe.Msg, tc.wantMsg)
			}
			if strings.Contains(err.Error(), "fake-access-token") {
				t.Errorf("error leaks the access token: %v", err)
			}
			if got := srv.Count(wecomfake.PathSend); got != 1 {
				t.Errorf("send calls = %d: the client must not retry by itself", got)
			}
		})
	}
}

func TestSendDuplicateCheck(t *testing.T) {
	srv := wecomfake.New(t)
	c := newClient(t, srv, nil, nil)
	req := textTo(providers.AudienceUserID, "same body", "u1", "u2")
	req.Message.WeCom = providers.WeComOptions{DuplicateCheck: true, DuplicateCheckInterval: 10 * time.Minute}
	first, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatalf("first Send: %v", err)
	}
	second, err := c.Send(context.Background(), req) // an engine retry: byte-identical body
	if err != nil {
		t.Fatalf("second Send: %v", err)
	}
	srv.Advance(11 * time.Minute)
	third, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatalf("third Send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 3 || msgs[0].Duplicate || !msgs[1].Duplicate || msgs[2].Duplicate {
		t.Fatalf("duplicate flags = %+v", msgs)
	}
	if second.TaskID != first.TaskID || third.TaskID == first.TaskID {
		t.Fatalf("msgids %q %q %q", first.TaskID, second.TaskID, third.TaskID)
	}
}

func TestRecall(t *testing.T) {
	srv := wecomfake.New(t)
	c := newClient(t, srv, nil, nil)
	res, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "oops", "u1"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	old, err := c.Send(context.Background(), textTo(providers.AudienceUserID, "old", "u1"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	tests := []struct {
		name     string
		msgID    string
		advance  time.Duration
		wantCode string // "" means success
	}{
		{name: "known msgid", msgID: res.TaskID},
		{name: "already recalled", msgID: res.TaskID, wantCode: "40058"},
		{name: "unknown msgid", msgID: "no-such-msg", wantCode: "40058"},
		{name: "empty msgid refused before call", msgID: "", wantCode: "40058"},
		{name: "older than 24h", msgID: old.TaskID, advance: 25 * time.Hour, wantCode: "42052"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.Advance(tc.advance)
			err := c.Recall(context.Background(), tc.msgID)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Recall: %v", err)
				}
				if m, _ := srv.Message(tc.msgID); !m.Recalled {
					t.Fatal("fake did not record the recall")
				}
				return
			}
			wantClass(t, err, providers.Permanent, tc.wantCode)
		})
	}
	// 25 hours later the token had expired too: that recall was refused
	// with 42001 once and retried with a new token.
	got := 0
	for _, r := range srv.Requests() {
		if r.Path == wecomfake.PathRecall && r.ErrCode != 42001 {
			got++
		}
	}
	if got != 4 {
		t.Fatalf("recall calls = %d, want 4 (the empty msgid never sent)", got)
	}
}
