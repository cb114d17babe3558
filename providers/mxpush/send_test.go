package mxpush_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

const rid = "cmp42-batch-0001"

func intp(i int) *int { return &i }

// lastNotify decodes the body of the last /push/notify the fake received.
func lastNotify(t *testing.T, srv *mxfake.Server) any {
	t.Helper()
	reqs := srv.RequestsTo("/push/notify")
	if len(reqs) == 0 {
		t.Fatal("no /push/notify request")
	}
	r := reqs[len(reqs)-1]
	if r.Header.Get("app_id") != srv.AppID() || r.Header.Get("access-token") != srv.Token() {
		t.Fatalf("headers app_id=%q access-token=%q", r.Header.Get("app_id"), r.Header.Get("access-token"))
	}
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	return v
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad golden JSON: %v", err)
	}
	return v
}

// Golden bodies of MX push's documented request examples (a notification
// to all, to aliases, to push tokens, and a full one). Differences from the examples: setting.request_id is
// always sent; badge "+0" is sent when Message.Badge is nil (MX's empty
// badge means "+1"); empty strings are omitted; ios.category has no field
// in providers.IOSOptions.
func TestSendGoldenBodies(t *testing.T) {
	begin := time.Unix(1735689600, 0)
	tests := []struct {
		name string
		req  providers.SendRequest
		want string
	}{
		{
			name: "seed example 1: text to all",
			req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceAll},
				Message: providers.Message{Type: providers.TypeNotification, Title: "this is push title", Body: "this is push body"}},
			want: `{"audience":"all","setting":{"request_id":"cmp42-batch-0001"},
				"message":{"type":"text","title":"this is push title","body":"this is push body","badge":"+0"}}`,
		},
		{
			name: "seed example 2: image to push tokens",
			req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudiencePushToken, Values: []string{"token1", "token2"}},
				Message: providers.Message{Type: providers.TypeImage, Title: "this is push title", Body: "this is push body", ImageURL: "https://xxx.com/images/1.jpg"}},
			want: `{"audience":{"push_token":["token1","token2"]},"setting":{"request_id":"cmp42-batch-0001"},
				"message":{"type":"image","title":"this is push title","body":"this is push body","attachment_url":"https://xxx.com/images/1.jpg","badge":"+0"}}`,
		},
		{
			name: "seed example 3: cmd to tags with ext",
			req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceTag, Values: []string{"beijing", "shanghai"}},
				Message: providers.Message{Type: providers.TypeTransmission, Title: "this is push title", Body: "this is push body", Ext: json.RawMessage(`{"key1": 12345, "key2": "xxx" }`)}},
			want: `{"audience":{"tag":["beijing","shanghai"]},"setting":{"request_id":"cmp42-batch-0001"},
				"message":{"type":"cmd","title":"this is push title","body":"this is push body","badge":"+0","ext":{"key1":12345,"key2":"xxx"}}}`,
		},
		{
			name: "documented full example",
			req: providers.SendRequest{RequestID: "cmp42-u1001-0001", Target: providers.Target{Kind: providers.AudienceAlias, Values: []string{"alias1", "alias2"}},
				Message: providers.Message{
					Type: providers.TypeImage, Title: "标题", Body: "内容", ImageURL: "https://xxx.com/images/1.jpg", BigText: "长文本…",
					Badge: intp(3), Sound: "default", Ext: json.RawMessage(`{"key1": 123, "key2": "value2"}`),
					ShowBegin: begin, ShowEnd: begin.Add(24 * time.Hour),
					Click:   providers.Click{Action: providers.ClickIntent, Intent: "intent:#Intent;component=pkg/.Act;S.k=v;end"},
					IOS:     providers.IOSOptions{ThreadID: "t", Subtitle: "s", CollapseID: "cid-1"},
					Android: providers.AndroidOptions{ChannelID: "ch"},
					Vendor: map[string]json.RawMessage{
						"huawei": json.RawMessage(`{"sound": "", "channel_id": "", "click_action": "open_app", "intent": "", "badge_class": "com.test.badge.MainActivity"}`),
						"xiaomi": json.RawMessage(`{"click_action": "open_app"}`),
						"oppo":   json.RawMessage(`{"click_action": "open_app"}`),
						"vivo":   json.RawMessage(`{"click_action": "open_app", "push_mode": 0, "classification": 1}`),
						"flyme":  json.RawMessage(`{"click_action": "open_app"}`),
						"fcm":    json.RawMessage(`{"click_action": "open_app"}`),
					},
					MX: providers.MXOptions{Strategy: "combined", Sequence: []string{"ups", "fcm"}},
				}},
			want: `{"audience":{"alias":["alias1","alias2"]},
				"setting":{"request_id":"cmp42-u1001-0001","distribution_strategy":"combined","ospush_sequence":["ups","fcm"]},
				"message":{"type":"image","title":"标题","body":"内容","attachment_url":"https://xxx.com/images/1.jpg","big_text":"长文本…","badge":"3",
					"ext":{"key1":123,"key2":"value2"},"show_begin_time":1735689600,"show_end_time":1735776000,
					"ios":{"sound":"default","thread_id":"t","subtitle":"s","apns_collapse_id":"cid-1"},
					"android":{"sound":"default","channel_id":"ch","click_action":"intent","intent":"intent:#Intent;component=pkg/.Act;S.k=v;end"},
					"huawei":{"click_action":"open_app","badge_class":"com.test.badge.MainActivity"},
					"xiaomi":{"click_action":"open_app"},"oppo":{"click_action":"open_app"},
					"vivo":{"click_action":"open_app","push_mode":0,"classification":1},
					"flyme":{"click_action":"open_app"},"fcm":{"click_action":"open_app"}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mxfake.New(t)
			res, err := newClient(t, srv, nil).Send(context.Background(), tt.req)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			tasks := srv.Tasks()
			if len(tasks) != 1 || res.TaskID != fmt.Sprint(tasks[0].ID) {
				t.Fatalf("TaskID = %q, fake tasks %v", res.TaskID, tasks)
			}
			got, want := lastNotify(t, srv), mustJSON(t, tt.want)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Fatalf("body mismatch\n got %s\nwant %s", g, w)
			}
		})
	}
}

// TestSendKinds checks each audience kind and message type on the wire.
func TestSendKinds(t *testing.T) {
	note := providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b"}
	tests := []struct {
		name     string
		target   providers.Target
		msg      providers.Message
		audience string
		message  map[string]any // fields of message to compare
	}{
		{name: "all", target: providers.Target{Kind: providers.AudienceAll}, msg: note, audience: `"all"`},
		{name: "tag", target: providers.Target{Kind: providers.AudienceTag, Values: []string{"vip"}}, msg: note, audience: `{"tag":["vip"]}`},
		{name: "alias", target: providers.Target{Kind: providers.AudienceAlias, Values: []string{"a1", "a2"}}, msg: note, audience: `{"alias":["a1","a2"]}`},
		{name: "user_id as integers", target: providers.Target{Kind: providers.AudienceUserID, Values: []string{"111", "222"}}, msg: note, audience: `{"user_id":[111,222]}`},
		{name: "push_token", target: providers.Target{Kind: providers.AudiencePushToken, Values: []string{"p1"}}, msg: note, audience: `{"push_token":["p1"]}`},
		{name: "cid sent as push_token", target: providers.Target{Kind: providers.AudienceCID, Values: []string{"c1", "c2"}}, msg: note, audience: `{"push_token":["c1","c2"]}`},
		{
			name: "notification opening the app", target: providers.Target{Kind: providers.AudienceAll}, audience: `"all"`,
			msg:     providers.Message{Type: providers.TypeNotification, Body: "b", Click: providers.Click{Action: providers.ClickStartApp}},
			message: map[string]any{"type": "text", "android": map[string]any{"click_action": "open_app"}},
		},
		{
			name: "link as VIEW intent", target: providers.Target{Kind: providers.AudienceAll}, audience: `"all"`,
			msg: providers.Message{Type: providers.TypeLink, Title: "t", Body: "b", Click: providers.Click{Action: providers.ClickURL, URL: "https://example.com/sale?id=7"}},
			message: map[string]any{"type": "text", "android": map[string]any{"click_action": "intent",
				"intent": "intent://example.com/sale?id=7#Intent;scheme=https;action=android.intent.action.VIEW;end"}},
		},
		{
			name: "link with the url only", target: providers.Target{Kind: providers.AudienceAll}, audience: `"all"`,
			msg: providers.Message{Type: providers.TypeLink, Body: "b", Click: providers.Click{URL: "http://example.com/"}},
			message: map[string]any{"type": "text", "android": map[string]any{"click_action": "intent",
				"intent": "intent://example.com/#Intent;scheme=http;action=android.intent.action.VIEW;end"}},
		},
		{
			name: "transmission payload becomes body", target: providers.Target{Kind: providers.AudienceAll}, audience: `"all"`,
			msg:     providers.Message{Type: providers.TypeTransmission, Click: providers.Click{Action: providers.ClickPayload, Payload: `{"cmd":"sync"}`}},
			message: map[string]any{"type": "cmd", "body": `{"cmd":"sync"}`},
		},
		{
			name: "strategy ospush_only with sequence", target: providers.Target{Kind: providers.AudienceAll}, audience: `"all"`,
			msg:     providers.Message{Type: providers.TypeNotification, Body: "b", Badge: intp(0), MX: providers.MXOptions{Strategy: "ospush_only", Sequence: []string{"huawei", "meizu"}}},
			message: map[string]any{"type": "text", "badge": "0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mxfake.New(t)
			if _, err := newClient(t, srv, nil).Send(context.Background(), providers.SendRequest{RequestID: rid, Target: tt.target, Message: tt.msg}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			body := lastNotify(t, srv).(map[string]any)
			if want := mustJSON(t, tt.audience); !reflect.DeepEqual(body["audience"], want) {
				t.Fatalf("audience = %v, want %v", body["audience"], want)
			}
			msg := body["message"].(map[string]any)
			for k, want := range tt.message {
				if !reflect.DeepEqual(msg[k], want) {
					t.Errorf("message.%s = %v, want %v", k, msg[k], want)
				}
			}
		})
	}
}

// vendorReq is a notification to all with one vendor block.
func vendorReq(name, raw string) providers.SendRequest {
	return providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceAll},
		Message: providers.Message{Type: providers.TypeNotification, Body: "b", Vendor: map[string]json.RawMessage{name: json.RawMessage(raw)}}}
}

func TestSendRefusedBeforeAnyCall(t *testing.T) {
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprint(i + 1)
	}
	all := providers.Target{Kind: providers.AudienceAll}
	note := providers.Message{Type: providers.TypeNotification, Body: "b"}
	withNote := func(f func(*providers.Message)) providers.Message { m := note; f(&m); return m }
	tests := []struct {
		name    string
		req     providers.SendRequest
		wantMsg string
	}{
		{name: "501 push tokens", req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudiencePushToken, Values: many}, Message: note}, wantMsg: "at most 500"},
		{name: "501 cids", req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceCID, Values: many}, Message: note}, wantMsg: "at most 500"},
		{name: "501 user ids", req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceUserID, Values: many}, Message: note}, wantMsg: "at most 500"},
		{name: "501 aliases", req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceAlias, Values: many}, Message: note}, wantMsg: "at most 500"},
		{name: "501 tags", req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceTag, Values: many}, Message: note}, wantMsg: "at most 500"},
		{name: "empty list", req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceAlias}, Message: note}, wantMsg: "at least one"},
		{name: "conditions unsupported", req: providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceConditions}, Message: note}, wantMsg: "not supported"},
		{name: "bad request id", req: providers.SendRequest{RequestID: "short", Target: all, Message: note}, wantMsg: "request id"},
		{name: "wecom type", req: providers.SendRequest{RequestID: rid, Target: all, Message: providers.Message{Type: providers.TypeTextCard}}, wantMsg: "not supported"},
		{name: "image without url", req: providers.SendRequest{RequestID: rid, Target: all, Message: providers.Message{Type: providers.TypeImage}}, wantMsg: "needs an image URL"},
		{name: "gif image", req: providers.SendRequest{RequestID: rid, Target: all, Message: providers.Message{Type: providers.TypeImage, ImageURL: "https://x.com/a.gif"}}, wantMsg: ".jpg, .jpeg or .png"},
		{name: "image with query", req: providers.SendRequest{RequestID: rid, Target: all, Message: providers.Message{Type: providers.TypeImage, ImageURL: "https://x.com/a.png?v=2"}}, wantMsg: ".jpg, .jpeg or .png"},
		{name: "ext not an object", req: providers.SendRequest{RequestID: rid, Target: all, Message: withNote(func(m *providers.Message) { m.Ext = json.RawMessage(`[1]`) })}, wantMsg: "ext must be a JSON object"},
		{name: "honor vendor", req: providers.SendRequest{RequestID: rid, Target: all, Message: withNote(func(m *providers.Message) { m.Vendor = map[string]json.RawMessage{"honor": json.RawMessage(`{}`)} })}, wantMsg: `vendor "honor"`},
		{name: "vendor unknown field", req: vendorReq("xiaomi", `{"notify_type":1}`), wantMsg: "vendor xiaomi"},
		{name: "vendor intent missing", req: vendorReq("oppo", `{"click_action":"intent"}`), wantMsg: "needs an intent"},
		{name: "vivo push_mode 2", req: vendorReq("vivo", `{"push_mode":2}`), wantMsg: "0 or 1"},
		{name: "vendor not an object", req: vendorReq("fcm", `"x"`), wantMsg: "must be a JSON object"},
		{name: "bad strategy", req: providers.SendRequest{RequestID: rid, Target: all, Message: withNote(func(m *providers.Message) { m.MX.Strategy = "fastest" })}, wantMsg: "distribution strategy"},
		{name: "bad sequence", req: providers.SendRequest{RequestID: rid, Target: all, Message: withNote(func(m *providers.Message) { m.MX.Sequence = []string{"honor"} })}, wantMsg: "ospush_sequence"},
		{name: "link without url", req: providers.SendRequest{RequestID: rid, Target: all, Message: providers.Message{Type: providers.TypeLink, Body: "b"}}, wantMsg: "link message"},
		{name: "link with fragment", req: providers.SendRequest{RequestID: rid, Target: all, Message: providers.Message{Type: providers.TypeLink, Click: providers.Click{Action: "url", URL: "https://x.com/#a"}}}, wantMsg: "fragment"},
		{name: "payload click on notification", req: providers.SendRequest{RequestID: rid, Target: all, Message: withNote(func(m *providers.Message) { m.Click = providers.Click{Action: "payload", Payload: "p"} })}, wantMsg: "not supported"},
		{name: "show end before begin", req: providers.SendRequest{RequestID: rid, Target: all, Message: withNote(func(m *providers.Message) { m.ShowBegin = time.Unix(2000, 0); m.ShowEnd = time.Unix(1000, 0) })}, wantMsg: "show end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mxfake.New(t)
			_, err := newClient(t, srv, nil).Send(context.Background(), tt.req)
			pe := asProviderError(t, err, providers.Permanent, "invalid_request")
			if !strings.Contains(pe.Msg, tt.wantMsg) {
				t.Fatalf("Msg = %q, want it to contain %q", pe.Msg, tt.wantMsg)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Fatalf("%d requests made, want none", n)
			}
		})
	}
}

func TestSendOutcomes(t *testing.T) {
	t.Run("non-integer user ids are invalid, the rest sent", func(t *testing.T) {
		srv := mxfake.New(t)
		res, err := newClient(t, srv, nil).Send(context.Background(), providers.SendRequest{RequestID: rid,
			Target:  providers.Target{Kind: providers.AudienceUserID, Values: []string{"111", "bob", "222"}},
			Message: providers.Message{Type: providers.TypeNotification, Body: "b"}})
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		want := []providers.Outcome{{Recipient: "bob", Status: providers.StatusInvalid, Code: "invalid_user_id", Message: "MX push user_id must be an integer"}}
		if !reflect.DeepEqual(res.Outcomes, want) || res.TaskID == "" {
			t.Fatalf("Result = %+v", res)
		}
		if got := lastNotify(t, srv).(map[string]any)["audience"]; !reflect.DeepEqual(got, mustJSON(t, `{"user_id":[111,222]}`)) {
			t.Fatalf("audience = %v", got)
		}
	})
	t.Run("all recipients invalid makes no call", func(t *testing.T) {
		srv := mxfake.New(t)
		res, err := newClient(t, srv, nil).Send(context.Background(), providers.SendRequest{RequestID: rid,
			Target:  providers.Target{Kind: providers.AudienceUserID, Values: []string{"x", ""}},
			Message: providers.Message{Type: providers.TypeNotification, Body: "b"}})
		if err != nil || len(res.Outcomes) != 2 || res.TaskID != "" || len(srv.Requests()) != 0 {
			t.Fatalf("Result = %+v, err %v, %d requests", res, err, len(srv.Requests()))
		}
	})
	t.Run("tokens unknown to the service only lower the figures", func(t *testing.T) {
		srv := mxfake.New(t)
		srv.SetInvalid("dead1")
		c := newClient(t, srv, nil)
		res, err := c.Send(context.Background(), providers.SendRequest{RequestID: rid,
			Target:  providers.Target{Kind: providers.AudiencePushToken, Values: []string{"p1", "dead1", "p2"}},
			Message: providers.Message{Type: providers.TypeNotification, Body: "b"}})
		if err != nil || len(res.Outcomes) != 0 {
			t.Fatalf("Result = %+v, err %v", res, err)
		}
		rep, err := c.Report(context.Background(), res.TaskID)
		if err != nil {
			t.Fatalf("Report: %v", err)
		}
		for _, ch := range rep.Channels {
			if ch.Channel == "mxpush" && ch.Target != 2 {
				t.Fatalf("mxpush target = %d, want 2", ch.Target)
			}
		}
	})
}

func TestSendRequestIDDeduplicated(t *testing.T) {
	srv := mxfake.New(t)
	c := newClient(t, srv, nil)
	req := providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceAll}, Message: providers.Message{Type: providers.TypeNotification, Body: "b"}}
	first, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatalf("first Send: %v", err)
	}
	again, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatalf("retried Send: %v", err)
	}
	tasks := srv.Tasks()
	if first.TaskID != again.TaskID || len(tasks) != 1 || tasks[0].Duplicates != 1 {
		t.Fatalf("task ids %q/%q, tasks %+v", first.TaskID, again.TaskID, tasks)
	}
}

// TestSendConcurrent: the static token needs no fetch, so concurrent sends
// make exactly one call each, every one authenticated.
func TestSendConcurrent(t *testing.T) {
	srv := mxfake.New(t)
	c := newClient(t, srv, nil)
	const n = 24
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Send(context.Background(), providers.SendRequest{RequestID: fmt.Sprintf("req-%08d", i),
				Target: providers.Target{Kind: providers.AudiencePushToken, Values: []string{fmt.Sprint("tok", i)}}, Message: providers.Message{Type: providers.TypeNotification, Body: "b"}})
			ids[i], errs[i] = res.TaskID, err
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil || ids[i] == "" || seen[ids[i]] {
			t.Fatalf("send %d: id %q err %v", i, ids[i], errs[i])
		}
		seen[ids[i]] = true
	}
	if got := len(srv.Requests()); got != n {
		t.Fatalf("%d requests, want %d", got, n)
	}
}
