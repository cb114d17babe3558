package jpush

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

func TestSendTargets(t *testing.T) {
	tests := []struct {
		name     string
		target   providers.Target
		audience any
	}{
		{"all", providers.Target{Kind: providers.AudienceAll}, "all"},
		{"tags", providers.Target{Kind: providers.AudienceTag, Values: []string{"深圳", "beijing"}}, map[string]any{"tag": []any{"深圳", "beijing"}}},
		{"aliases", providers.Target{Kind: providers.AudienceAlias, Values: []string{"u1", "u2"}}, map[string]any{"alias": []any{"u1", "u2"}}},
		{"registration ids", providers.Target{Kind: providers.AudienceCID, Values: []string{"rid-1"}}, map[string]any{"registration_id": []any{"rid-1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, fake := newClient(t)
			res, err := c.Send(context.Background(), providers.SendRequest{RequestID: "pdtarget0001", Message: note("Hi", "Body"), Target: tc.target})
			if err != nil {
				t.Fatal(err)
			}
			body := lastPush(t, fake)
			if !reflect.DeepEqual(body["audience"], tc.audience) {
				t.Errorf("audience %v, want %v", body["audience"], tc.audience)
			}
			ps := fake.Pushes()
			if len(ps) != 1 || res.TaskID != ps[0].MsgID || body["cid"] != ps[0].CID || ps[0].CID == "" {
				t.Errorf("task %q, pushes %+v", res.TaskID, ps)
			}
			if len(res.Outcomes) != 0 {
				t.Errorf("outcomes %+v, want none (all accepted)", res.Outcomes)
			}
		})
	}
}

func TestSendRefusesBeforeAnyCall(t *testing.T) {
	many := cidTarget(MaxIDs + 1)
	tags := providers.Target{Kind: providers.AudienceTag, Values: make([]string, MaxTags+1)}
	for i := range tags.Values {
		tags.Values[i] = "t"
	}
	tests := []struct {
		name string
		req  providers.SendRequest
		code string
	}{
		{"bad request id", providers.SendRequest{RequestID: "short", Message: note("t", "b"), Target: cidTarget(1)}, "request_id"},
		{"too many ids", providers.SendRequest{RequestID: "pdrefuse0001", Message: note("t", "b"), Target: many}, "audience"},
		{"too many tags", providers.SendRequest{RequestID: "pdrefuse0002", Message: note("t", "b"), Target: tags}, "audience"},
		{"conditions", providers.SendRequest{RequestID: "pdrefuse0003", Message: note("t", "b"), Target: providers.Target{Kind: providers.AudienceConditions}}, "audience"},
		{"wecom type", providers.SendRequest{RequestID: "pdrefuse0004", Message: providers.Message{Type: providers.TypeText, Body: "b"}, Target: cidTarget(1)}, "message_type"},
		{"unknown option", providers.SendRequest{RequestID: "pdrefuse0005", Message: providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b", Options: providers.Options{"x": true}}, Target: cidTarget(1)}, "options"},
		{"payload click", providers.SendRequest{RequestID: "pdrefuse0006", Message: providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b", Click: providers.Click{Action: providers.ClickPayload, Payload: "p"}}, Target: cidTarget(1)}, "intent"},
		{"unknown vendor", providers.SendRequest{RequestID: "pdrefuse0007", Message: providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b", Vendor: map[string]json.RawMessage{"flyme": json.RawMessage(`{}`)}}, Target: cidTarget(1)}, "third_party_channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, fake := newClient(t)
			_, err := c.Send(context.Background(), tc.req)
			wantError(t, err, providers.Permanent, tc.code)
			if n := len(fake.Requests()); n != 0 {
				t.Errorf("%d requests reached the fake", n)
			}
		})
	}
}

func TestMessageMapping(t *testing.T) {
	badge := 3
	m := providers.Message{Type: providers.TypeNotification, Title: "Sale", Body: "Now on", BigText: "Long text",
		Click: providers.Click{Action: providers.ClickURL, URL: "https://example.com/x"}, Badge: &badge, Sound: "ding",
		Ext: json.RawMessage(`{"k": 1}`), TTL: 90 * time.Minute,
		IOS:     providers.IOSOptions{Subtitle: "sub", ThreadID: "th", CollapseID: "col", MutableContent: true},
		Android: providers.AndroidOptions{ChannelID: "promo"},
		Vendor:  map[string]json.RawMessage{"xiaomi": json.RawMessage(`{"channel_id":"x1"}`)},
		Options: providers.Options{OptAPNSProduction: true, OptBigPushDuration: float64(30), OptBuilderID: float64(2), OptPlatform: "all"},
	}
	c, fake := newClient(t)
	if _, err := c.Send(context.Background(), providers.SendRequest{RequestID: "pdmapping001", Message: m, Target: cidTarget(1)}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Platform     any                 `json:"platform"`
		Notification notification        `json:"notification"`
		Message      *customMessage      `json:"message"`
		Options      pushOptions         `json:"options"`
		Extra        map[string]struct{} `json:"-"`
	}
	rs := fake.RequestsTo(jpushfake.PathPush)
	if err := json.Unmarshal(rs[0].Body, &got); err != nil {
		t.Fatal(err)
	}
	a, i := got.Notification.Android, got.Notification.IOS
	switch {
	case got.Platform != "all" || got.Message != nil:
		t.Errorf("platform %v, message %+v", got.Platform, got.Message)
	case a == nil || a.Alert != "Now on" || a.Title != "Sale" || a.Style != 1 || a.BigText != "Long text" || a.ChannelID != "promo" ||
		a.BuilderID != 2 || a.Sound != "ding" || a.Intent == nil || a.Intent.URL != "https://example.com/x" || string(a.Extras) != `{"k":1}`:
		t.Errorf("android %+v", a)
	case i == nil || i.Alert != (iosAlert{Title: "Sale", Subtitle: "sub", Body: "Now on"}) || i.Badge == nil || *i.Badge != 3 ||
		i.ThreadID != "th" || !i.MutableContent || i.Sound != "ding" || string(i.Extras) != `{"k":1}`:
		t.Errorf("ios %+v", i)
	case got.Options.TimeToLive == nil || *got.Options.TimeToLive != 5400 || !got.Options.APNSProduction || got.Options.APNSCollapseID != "col" ||
		got.Options.BigPushDuration != 30 || string(got.Options.ThirdPartyChannel["xiaomi"]) != `{"channel_id":"x1"}` || got.Options.SendNo != sendNo("pdmapping001"):
		t.Errorf("options %+v", got.Options)
	}

	// A transmission is a custom message; one platform lists it.
	tm := providers.Message{Type: providers.TypeTransmission, Title: "T", Body: `{"cmd":1}`, Options: providers.Options{OptPlatform: "android"}}
	if _, err := c.Send(context.Background(), providers.SendRequest{RequestID: "pdmapping002", Message: tm, Target: cidTarget(1)}); err != nil {
		t.Fatal(err)
	}
	body := lastPush(t, fake)
	msg, _ := body["message"].(map[string]any)
	if body["notification"] != nil || msg["msg_content"] != `{"cmd":1}` || msg["title"] != "T" || !reflect.DeepEqual(body["platform"], []any{"android"}) {
		t.Errorf("transmission body %v", body)
	}
}

func TestPartialInvalidAndNoTarget(t *testing.T) {
	c, fake := newClient(t)
	fake.SetInvalid("rid-000001", "rid-000003")
	res, err := c.Send(context.Background(), providers.SendRequest{RequestID: "pdpartial001", Message: note("t", "b"), Target: cidTarget(4)})
	if err != nil || res.TaskID == "" {
		t.Fatalf("partial: %+v, %v", res, err)
	}
	if got := fake.DeliveryCounts(); len(got) != 2 || got["rid-000000"] != 1 || got["rid-000002"] != 1 {
		t.Errorf("deliveries %v, want the two known ids", got)
	}
	fake.SetInvalid("rid-000000", "rid-000002")
	_, err = c.Send(context.Background(), providers.SendRequest{RequestID: "pdpartial002", Message: note("t", "b"), Target: cidTarget(4)})
	pe := wantError(t, err, providers.Permanent, "1011")
	if !pe.AllRecipientsInvalid {
		t.Errorf("1011 not marked all recipients invalid: %+v", pe)
	}
}
