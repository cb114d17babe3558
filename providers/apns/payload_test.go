package apns

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
)

// TestPayload pins the bodies of an alert and of a background push.
func TestPayload(t *testing.T) {
	badge := 3
	tests := []struct {
		name string
		m    providers.Message
		want string
	}{
		{"alert with every aps key", providers.Message{Type: providers.TypeNotification, Title: "Hi", Body: "Sale", Badge: &badge, Sound: "a.caf",
			Ext:     json.RawMessage(`{"order":42}`),
			Click:   providers.Click{Action: providers.ClickURL, URL: "https://example.com/x"},
			IOS:     providers.IOSOptions{Subtitle: "Sub", ThreadID: "th", Sound: "b.caf", MutableContent: true, ContentAvailable: true},
			Options: providers.Options{OptCategory: "SALE", OptInterruptionLevel: "time-sensitive"}},
			`{"aps":{"alert":{"title":"Hi","subtitle":"Sub","body":"Sale"},"badge":3,"sound":"b.caf","thread-id":"th","category":"SALE","content-available":1,"mutable-content":1,"interruption-level":"time-sensitive"},"order":42,"url":"https://example.com/x"}`},
		{"background", providers.Message{Type: providers.TypeTransmission, Body: `{"sync":true}`, Badge: &badge},
			`{"aps":{"content-available":1},"payload":"{\"sync\":true}"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, p := buildPayload(tc.m)
			if p != nil {
				t.Fatalf("problem %+v", p)
			}
			if string(got) != tc.want {
				t.Fatalf("payload\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestCheck: what APNs would refuse is refused on the draft, naming the
// field, and again by Send before any request.
func TestCheck(t *testing.T) {
	big := strings.Repeat("x", MaxPayload)
	tests := []struct {
		name  string
		m     providers.Message
		field string
		msgID string
	}{
		{"body too large", providers.Message{Type: providers.TypeNotification, Title: "t", Body: big}, "message.body", "apns.err.payload_too_large"},
		{"ext too large", providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b",
			Ext: json.RawMessage(`{"k":"` + big + `"}`)}, providers.FieldExt, "apns.err.payload_too_large"},
		{"ext sets aps", providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b",
			Ext: json.RawMessage(`{"aps":{}}`)}, providers.FieldExt, "apns.err.ext_aps"},
		{"ext takes url", providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b", Ext: json.RawMessage(`{"url":1}`),
			Click: providers.Click{Action: providers.ClickURL, URL: "https://e.com"}}, providers.FieldExt, "apns.err.ext_reserved"},
		{"intent click", providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b",
			Click: providers.Click{Action: providers.ClickIntent, Intent: "x"}}, "message.click.action", "apns.err.no_intent"},
		{"collapse id too long", providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b",
			IOS: providers.IOSOptions{CollapseID: strings.Repeat("c", 65)}}, "message.ios.collapse_id", "err.too_long_bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := Capabilities().Check(tc.m)
			if len(ps) != 1 || ps[0].Field != tc.field || ps[0].MsgID != tc.msgID {
				t.Fatalf("problems %+v, want %s %s", ps, tc.field, tc.msgID)
			}
			f := apnsfake.New(t)
			c := newTestClient(t, f)
			req := alertRequest(deviceTokens(1)...)
			req.Message = tc.m
			_, err := c.Send(context.Background(), req)
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Class != providers.Permanent {
				t.Fatalf("send: %v", err)
			}
			if f.Requests() != 0 {
				t.Fatal("sent anyway")
			}
		})
	}
	ok := providers.Message{Type: providers.TypeNotification, Title: "t", Body: strings.Repeat("x", 3000)}
	if ps := Capabilities().Check(ok); len(ps) != 0 {
		t.Fatalf("a 3 KB body refused: %+v", ps)
	}
}

// TestBackgroundHeaders: a transmission goes as a background push at
// priority 5, and a TTL becomes apns-expiration.
func TestBackgroundHeaders(t *testing.T) {
	f := apnsfake.New(t)
	c := newTestClient(t, f)
	req := alertRequest(deviceTokens(1)...)
	req.Message = providers.Message{Type: providers.TypeTransmission, Body: "sync", TTL: 3600e9,
		IOS: providers.IOSOptions{CollapseID: "mine"}}
	if _, err := c.Send(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	d := f.Deliveries(deviceTokens(1)[0])
	if len(d) != 1 || d[0].PushType != "background" || d[0].Priority != "5" || d[0].Expiration == "" || d[0].CollapseID != "mine" {
		t.Fatalf("deliveries %+v", d)
	}
}
