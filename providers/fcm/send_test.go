package fcm

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
)

func TestSendOneMessagePerTokenOverHTTP2(t *testing.T) {
	t.Parallel()
	f := fcmfake.New(t)
	// A slow answer keeps requests in flight together.
	f.SetDelay(20 * time.Millisecond)
	c := newClient(t, f, nil)
	toks := deviceTokens(MaxBatch)
	res, err := send(t, c, notificationReq("req-h2-000001", toks))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 0 {
		t.Fatalf("outcomes %v: every token was accepted", res.Outcomes[:1])
	}
	onceEach(t, f, toks, "req-h2-000001")
	st := f.Stats()
	if st.MaxConcurrent < 2 || st.MaxConcurrent > maxStreams {
		t.Fatalf("at most %d requests in flight together; want 2..%d", st.MaxConcurrent, maxStreams)
	}
	if st.HTTP2 < int64(MaxBatch) {
		t.Fatalf("%d of %d requests came over HTTP/2", st.HTTP2, MaxBatch)
	}
	_, err = send(t, c, notificationReq("req-h2-000002", deviceTokens(MaxBatch+1)))
	if pe := providerError(t, err); pe.Class != providers.Permanent {
		t.Fatalf("a batch over %d: %v", MaxBatch, err)
	}
}

func TestSendBody(t *testing.T) {
	t.Parallel()
	f := fcmfake.New(t)
	c := newClient(t, f, nil)
	badge := 3
	req := notificationReq("req-body-0001", []string{"tok-a"})
	req.Message.ImageURL = "https://example.com/a.png"
	req.Message.Badge = &badge
	req.Message.Sound = "ding"
	req.Message.TTL = time.Hour
	req.Message.Android.ChannelID = "sales"
	req.Message.Click = providers.Click{Action: providers.ClickURL, URL: "https://example.com/sale"}
	req.Message.Ext = json.RawMessage(`{"order": 42, "kind": "promo", "nested": {"a": [1, 2]}}`)
	req.Message.Options = providers.Options{OptAndroidPriority: "high", OptAnalyticsLabel: "spring_sale"}
	if _, err := send(t, c, req); err != nil {
		t.Fatal(err)
	}
	bodies := f.Bodies()
	if len(bodies) != 1 {
		t.Fatalf("%d bodies", len(bodies))
	}
	var got struct {
		Message map[string]json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"token":        `"tok-a"`,
		"data":         `{"kind":"promo","nested":"{\"a\": [1, 2]}","order":"42","url":"https://example.com/sale"}`,
		"notification": `{"title":"Hi","body":"Sale starts now","image":"https://example.com/a.png"}`,
		"android":      `{"collapse_key":"req-body-0001","priority":"HIGH","ttl":"3600s","notification":{"channel_id":"sales","tag":"req-body-0001","sound":"ding","notification_count":3}}`,
		"fcm_options":  `{"analytics_label":"spring_sale"}`,
	}
	for k, w := range want {
		if string(got.Message[k]) != w {
			t.Errorf("message.%s = %s\nwant %s", k, got.Message[k], w)
		}
	}
	var apns struct {
		Headers map[string]string `json:"headers"`
		Payload json.RawMessage   `json:"payload"`
	}
	if err := json.Unmarshal(got.Message["apns"], &apns); err != nil {
		t.Fatal(err)
	}
	if apns.Headers["apns-collapse-id"] != "req-body-0001" || apns.Headers["apns-expiration"] == "" {
		t.Errorf("apns headers %v", apns.Headers)
	}
	if string(apns.Payload) != `{"aps":{"badge":3,"sound":"ding","mutable-content":1}}` {
		t.Errorf("apns payload %s", apns.Payload)
	}

	t.Run("transmission is a data message", func(t *testing.T) {
		req := notificationReq("req-body-0002", []string{"tok-b"})
		req.Message = providers.Message{Type: providers.TypeTransmission, Body: `{"sync":true}`}
		if _, err := send(t, c, req); err != nil {
			t.Fatal(err)
		}
		b := string(f.Bodies()[1])
		for _, w := range []string{`"data":{"payload":"{\"sync\":true}"}`, `"apns-push-type":"background"`, `"apns-priority":"5"`, `"content-available":1`} {
			if !strings.Contains(b, w) {
				t.Errorf("body %s\nlacks %s", b, w)
			}
		}
		if strings.Contains(b, `"notification"`) {
			t.Errorf("a data message carries a notification: %s", b)
		}
	})
}

func TestSendAnswers(t *testing.T) {
	t.Parallel()
	toks := deviceTokens(20)
	tests := []struct {
		name   string
		inject func(f *fcmfake.Server)
		req    func(r *providers.SendRequest)
		// outcomes by token index; the rest must be accepted
		outcomes map[int]providers.DeliveryStatus
		code     string
		// err: the batch fails with this class (outcomes unused)
		err          *providers.Error
		delivered    int
		minCalls     int
		wantMsgToken string
	}{
		{name: "unregistered and sender mismatch are invalid",
			inject: func(f *fcmfake.Server) {
				f.SetTokenError(fcmfake.CodeUnregistered, toks[1])
				f.SetTokenError(fcmfake.CodeSenderIDMismatch, toks[2])
			},
			outcomes: map[int]providers.DeliveryStatus{1: providers.StatusInvalid, 2: providers.StatusInvalid}, delivered: 18},
		{name: "a malformed token is invalid",
			inject:   func(f *fcmfake.Server) { f.SetTokenError(fcmfake.CodeInvalidArgument, toks[3]) },
			outcomes: map[int]providers.DeliveryStatus{3: providers.StatusInvalid}, code: "INVALID_ARGUMENT", delivered: 19},
		{name: "third-party auth fails that token with the catalog message",
			inject:   func(f *fcmfake.Server) { f.SetTokenError(fcmfake.CodeThirdPartyAuth, toks[4], toks[5]) },
			outcomes: map[int]providers.DeliveryStatus{4: providers.StatusFailed, 5: providers.StatusFailed}, code: "THIRD_PARTY_AUTH_ERROR", delivered: 18,
			wantMsgToken: MsgThirdPartyAuth},
		{name: "quota with Retry-After is waited for and retried",
			inject:    func(f *fcmfake.Server) { f.FailNext(5, fcmfake.Fault{Status: 429, RetryAfter: time.Second}) },
			delivered: 20, minCalls: 25},
		{name: "internal errors are retried",
			inject:    func(f *fcmfake.Server) { f.FailNext(7, fcmfake.Fault{Status: 500}) },
			delivered: 20, minCalls: 27},
		{name: "unavailable throughout is a retry of the whole batch, nothing delivered",
			inject: func(f *fcmfake.Server) { f.FailNext(1000, fcmfake.Fault{Status: 503, RetryAfter: time.Second}) },
			err:    &providers.Error{Class: providers.Retry, Code: "UNAVAILABLE", NotDelivered: true, RetryAfter: time.Second}},
		{name: "quota throughout slows the account",
			inject: func(f *fcmfake.Server) { f.FailNext(1000, fcmfake.Fault{Status: 429, RetryAfter: 30 * time.Second}) },
			err:    &providers.Error{Class: providers.Retry, Code: "QUOTA_EXCEEDED", NotDelivered: true, RateLimited: true, RetryAfter: 30 * time.Second}},
		{name: "a proxy's 502 throughout may have delivered",
			inject: func(f *fcmfake.Server) { f.FailNext(1000, fcmfake.Fault{Status: 502}) },
			err:    &providers.Error{Class: providers.Retry, Code: "http_502"}},
		{name: "a message FCM refuses fails the batch",
			req: func(r *providers.SendRequest) { r.Message.Ext = json.RawMessage(`{"google.x": "1"}`) },
			err: &providers.Error{Class: providers.Permanent, Code: "INVALID_ARGUMENT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := fcmfake.New(t)
			c := newClient(t, f, nil)
			if tc.inject != nil {
				tc.inject(f)
			}
			req := notificationReq("req-answers-01", toks)
			if tc.req != nil {
				tc.req(&req)
			}
			res, err := send(t, c, req)
			if tc.err != nil {
				pe := providerError(t, err)
				if pe.Class != tc.err.Class || pe.Code != tc.err.Code || pe.NotDelivered != tc.err.NotDelivered ||
					pe.RateLimited != tc.err.RateLimited || pe.RetryAfter != tc.err.RetryAfter {
					t.Fatalf("error %+v\nwant %+v", pe, tc.err)
				}
				if tc.err.NotDelivered && len(f.DeliveryCounts()) != 0 {
					t.Fatalf("NotDelivered, but %d tokens got a message", len(f.DeliveryCounts()))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]providers.Outcome{}
			for _, o := range res.Outcomes {
				got[o.Recipient] = o
			}
			if len(got) != len(tc.outcomes) {
				t.Fatalf("outcomes %+v, want %v", res.Outcomes, tc.outcomes)
			}
			for i, st := range tc.outcomes {
				o := got[toks[i]]
				if o.Status != st || (tc.code != "" && o.Code != tc.code) {
					t.Fatalf("%s: %+v, want %s %s", toks[i], o, st, tc.code)
				}
				if tc.wantMsgToken != "" && o.Message != tc.wantMsgToken {
					t.Fatalf("%s: message %q, want %q", toks[i], o.Message, tc.wantMsgToken)
				}
			}
			if n := len(f.DeliveryCounts()); n != tc.delivered {
				t.Fatalf("%d tokens delivered, want %d", n, tc.delivered)
			}
			for tok, n := range f.DeliveryCounts() {
				if n != 1 {
					t.Fatalf("%s received %d messages", tok, n)
				}
			}
			if calls := f.Stats().Calls; calls < tc.minCalls {
				t.Fatalf("%d calls, want at least %d (the fault missed the batch)", calls, tc.minCalls)
			}
		})
	}
}
