package getui

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// TestGoldenBodies compares what the fake received with bodies built from
// the seeds' and the reference's examples.
func TestGoldenBodies(t *testing.T) {
	tests := []struct {
		name string
		req  providers.SendRequest
		want string
	}{
		{
			// GeTui's documented single-cid body, plus what pushdeck always
			// sends: the default strategy and the vendor channels. The example
			// also sends "url": "" with click_type none; the client leaves
			// out the unused field.
			name: "documented single cid",
			req: providers.SendRequest{
				RequestID: "seed000request01",
				Message:   providers.Message{Type: providers.TypeNotification, Title: "标题", Body: "内容", Click: providers.Click{Action: "none"}},
				Target:    providers.Target{Kind: providers.AudienceCID, Values: []string{"e560b884d8d9bf5bc5a0f9da545a11f3"}},
			},
			want: `{"request_id":"seed000request01",
				"settings":{"strategy":{"default":1,"ios":4}},
				"audience":{"cid":["e560b884d8d9bf5bc5a0f9da545a11f3"]},
				"push_message":{"notification":{"title":"标题","body":"内容","click_type":"none"}},
				"push_channel":{
					"ios":{"type":"notify","aps":{"alert":{"title":"标题","body":"内容"},"content-available":0}},
					"android":{"ups":{"notification":{"title":"标题","body":"内容","click_type":"none"}}}}}`,
		},
		{
			// GeTui's documented full request. Differences: no
			// strategy "st" (pushdeck sets default and ios only), and no
			// auto_badge "+1" (pushdeck's badge is absolute; none here).
			name: "reference full example",
			req: providers.SendRequest{
				RequestID: "c9b0f6f3a1e24d2a9d1e2b7c8a6f0011",
				Message: providers.Message{
					Type: providers.TypeNotification, Title: "标题", Body: "内容", Group: "campaign_42",
					TTL:    2 * time.Hour,
					Click:  providers.Click{Action: "url", URL: "https://www.getui.com"},
					Ext:    json.RawMessage(`{"k": "v"}`),
					Vendor: map[string]json.RawMessage{"xiaomi": json.RawMessage(`{"/extra.channel_id":"xm-channel-id"}`)},
				},
				Target: providers.Target{Kind: providers.AudienceCID, Values: []string{"2bfd19ad80d679853a690ceb72c7c041"}},
			},
			want: `{"request_id":"c9b0f6f3a1e24d2a9d1e2b7c8a6f0011","group_name":"campaign_42",
				"settings":{"ttl":7200000,"strategy":{"default":1,"ios":4}},
				"audience":{"cid":["2bfd19ad80d679853a690ceb72c7c041"]},
				"push_message":{"notification":{"title":"标题","body":"内容","click_type":"url","url":"https://www.getui.com"}},
				"push_channel":{
					"android":{"ups":{"notification":{"title":"标题","body":"内容","click_type":"url","url":"https://www.getui.com"},
						"options":{"XM":{"/extra.channel_id":"xm-channel-id"}}}},
					"ios":{"type":"notify","payload":"{\"k\":\"v\"}","aps":{"alert":{"title":"标题","body":"内容"},"content-available":0}}}}`,
		},
		{
			name: "transmission with every option",
			req: providers.SendRequest{
				RequestID: "transmission-0001",
				Message: providers.Message{
					Type: providers.TypeTransmission, Body: `{"cmd":"sync"}`, Badge: new(3), WifiOnly: true, Speed: 100,
					ShowBegin: time.UnixMilli(1590547347000), ShowEnd: time.UnixMilli(1590633747000),
					IOS: providers.IOSOptions{Sound: "ding.caf", ThreadID: "t1", CollapseID: "c1"},
				},
				Target: providers.Target{Kind: providers.AudienceCID, Values: []string{"cid-1"}},
			},
			want: `{"request_id":"transmission-0001",
				"settings":{"strategy":{"default":1,"ios":4},"speed":100},
				"audience":{"cid":["cid-1"]},
				"push_message":{"network_type":1,"duration":"1590547347000-1590633747000","transmission":"{\"cmd\":\"sync\"}"},
				"push_channel":{
					"ios":{"type":"notify","aps":{"content-available":1,"sound":"ding.caf","thread-id":"t1"},
						"auto_badge":"3","payload":"{\"cmd\":\"sync\"}","apns-collapse-id":"c1"},
					"android":{"ups":{"transmission":"{\"cmd\":\"sync\"}"}}}}`,
		},
		{
			name: "image with intent click, channel, badge and subtitle",
			req: providers.SendRequest{
				RequestID: "image-000000001",
				Message: providers.Message{
					Type: providers.TypeImage, Title: "T", Body: "B", ImageURL: "https://img.example.com/a.png",
					Click: providers.Click{Action: "intent", Intent: "intent:#Intent;component=a/.B;end", URL: "ignored"},
					Badge: new(2), Sound: "ring", Android: providers.AndroidOptions{ChannelID: "promo"},
					IOS: providers.IOSOptions{Subtitle: "S", ContentAvailable: true},
				},
				Target: providers.Target{Kind: providers.AudienceAlias, Values: []string{"alice"}},
			},
			want: `{"request_id":"image-000000001",
				"settings":{"strategy":{"default":1,"ios":4}},
				"audience":{"alias":["alice"]},
				"push_message":{"notification":{"title":"T","body":"B","big_image":"https://img.example.com/a.png",
					"channel_id":"promo","click_type":"intent","intent":"intent:#Intent;component=a/.B;end",
					"ring_name":"ring","badge_add_num":2}},
				"push_channel":{
					"ios":{"type":"notify","aps":{"alert":{"title":"T","body":"B","subtitle":"S"},"content-available":1,"sound":"ring"},
						"auto_badge":"2","multimedia":[{"url":"https://img.example.com/a.png","type":1,"only_wifi":false}]},
					"android":{"ups":{"notification":{"title":"T","body":"B","click_type":"intent","intent":"intent:#Intent;component=a/.B;end"}}}}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := getuifake.New(t)
			c := newTestClient(t, srv)
			if _, err := c.Send(context.Background(), tc.req); err != nil {
				t.Fatalf("Send: %v", err)
			}
			route := "/push/single/" + string(tc.req.Target.Kind)
			reqs := srv.RequestsTo(route)
			if len(reqs) != 1 {
				t.Fatalf("%s requests = %d", route, len(reqs))
			}
			if ct := reqs[0].Header.Get("Content-Type"); ct != "application/json;charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			sameJSON(t, reqs[0].Body, tc.want)
		})
	}
}

func TestSendKinds(t *testing.T) {
	long := strings.Repeat("x", 10)
	tests := []struct {
		name       string
		target     providers.Target
		wantRoutes []string // business routes, in order
		wantLast   string   // body of the last call, without request_id and message fields
		wantOut    []providers.Outcome
	}{
		{
			name:       "single cid",
			target:     providers.Target{Kind: providers.AudienceCID, Values: []string{"on1"}},
			wantRoutes: []string{"/push/single/cid"},
			wantOut:    []providers.Outcome{{Recipient: "on1", Status: providers.StatusAccepted, Code: "successed_online"}},
		},
		{
			name:       "single alias",
			target:     providers.Target{Kind: providers.AudienceAlias, Values: []string{"al" + long}},
			wantRoutes: []string{"/push/single/alias"},
			wantOut:    []providers.Outcome{{Recipient: "al" + long, Status: providers.StatusAccepted, Code: "successed_offline"}},
		},
		{
			name:       "cid list with a partial invalid",
			target:     providers.Target{Kind: providers.AudienceCID, Values: []string{"on1", "bad1", "off1"}},
			wantRoutes: []string{"/push/list/message", "/push/list/cid"},
			wantLast:   `{"audience":{"cid":["on1","bad1","off1"]},"is_async":false}`,
			wantOut: []providers.Outcome{
				{Recipient: "on1", Status: providers.StatusAccepted, Code: "successed_online"},
				{Recipient: "bad1", Status: providers.StatusInvalid, Code: "successed_ignore", Message: "invalid or inactive user; message dropped"},
				{Recipient: "off1", Status: providers.StatusAccepted, Code: "successed_offline"},
			},
		},
		{
			name:       "alias list",
			target:     providers.Target{Kind: providers.AudienceAlias, Values: []string{"a1", "a2"}},
			wantRoutes: []string{"/push/list/message", "/push/list/alias"},
			wantLast:   `{"audience":{"alias":["a1","a2"]},"is_async":false,"need_alias_detail":false}`,
			wantOut: []providers.Outcome{
				{Recipient: "a1", Status: providers.StatusAccepted, Code: "successed_offline"},
				{Recipient: "a2", Status: providers.StatusAccepted, Code: "successed_offline"},
			},
		},
		{
			name:       "all",
			target:     providers.Target{Kind: providers.AudienceAll},
			wantRoutes: []string{"/push/all"},
		},
		{
			name:       "tags",
			target:     providers.Target{Kind: providers.AudienceTag, Values: []string{"vip", "beta"}},
			wantRoutes: []string{"/push/tag"},
		},
		{
			name: "conditions",
			target: providers.Target{Kind: providers.AudienceConditions, Conditions: []providers.Condition{
				{Key: "region", Values: []string{"11000000", "31000000"}, Op: "or"},
				{Key: "custom_tag", Values: []string{"tagtest"}, Op: "not"},
				{Key: "phone_type", Values: []string{"android"}},
			}},
			wantRoutes: []string{"/push/tag"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := getuifake.New(t)
			srv.SetOnline("on1")
			srv.SetInvalid("bad1")
			c := newTestClient(t, srv)
			res, err := c.Send(context.Background(), providers.SendRequest{RequestID: "kinds-request-1", Message: notify(), Target: tc.target})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			var routes []string
			var last getuifake.Request
			for _, r := range srv.Requests() {
				if r.Route != "/auth" {
					routes = append(routes, r.Route)
					last = r
				}
			}
			if !reflect.DeepEqual(routes, tc.wantRoutes) {
				t.Fatalf("routes = %v, want %v", routes, tc.wantRoutes)
			}
			if res.TaskID == "" {
				t.Error("no task id")
			}
			if !reflect.DeepEqual(res.Outcomes, tc.wantOut) {
				t.Errorf("outcomes = %+v, want %+v", res.Outcomes, tc.wantOut)
			}
			checkAudience(t, tc.target, last, res.TaskID, tc.wantLast)
		})
	}
}

// checkAudience checks the audience part of the last call.
func checkAudience(t *testing.T, target providers.Target, last getuifake.Request, taskID, wantList string) {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(last.Body, &body); err != nil {
		t.Fatal(err)
	}
	switch {
	case wantList != "":
		if body["taskid"] != taskID {
			t.Errorf("taskid = %v, want %s", body["taskid"], taskID)
		}
		delete(body, "taskid")
		got, _ := json.Marshal(body)
		sameJSON(t, got, wantList)
	case target.Kind == providers.AudienceAll:
		if body["audience"] != "all" {
			t.Errorf("audience = %v", body["audience"])
		}
	case target.Kind == providers.AudienceTag:
		got, _ := json.Marshal(body["audience"])
		sameJSON(t, got, `{"tag":[{"key":"custom_tag","values":["vip","beta"],"opt_type":"or"}]}`)
	case target.Kind == providers.AudienceConditions:
		got, _ := json.Marshal(body["audience"])
		sameJSON(t, got, `{"tag":[{"key":"region","values":["11000000","31000000"],"opt_type":"or"},
			{"key":"custom_tag","values":["tagtest"],"opt_type":"not"},
			{"key":"phone_type","values":["android"],"opt_type":"or"}]}`)
	}
}

func TestListMessageBody(t *testing.T) {
	srv := getuifake.New(t)
	c := newTestClient(t, srv)
	m := notify()
	m.Group = "spring-ab"
	req := providers.SendRequest{RequestID: "list-body-000001", Message: m,
		Target: providers.Target{Kind: providers.AudienceCID, Values: []string{"c1", "c2"}}}
	if _, err := c.Send(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	reqs := srv.RequestsTo("/push/list/message")
	if len(reqs) != 1 {
		t.Fatalf("list/message calls = %d", len(reqs))
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if _, ok := body["audience"]; ok {
		t.Error("list message carries an audience")
	}
	if body["request_id"] != req.RequestID || body["group_name"] != "spring-ab" {
		t.Errorf("body = %v", body)
	}
	if _, ok := body["push_message"]; !ok {
		t.Error("list message without push_message")
	}
}
