package jpush

import (
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
)

func TestCapabilitiesDeclareJPushLimits(t *testing.T) {
	caps := Capabilities()
	want := map[providers.AudienceKind]int{providers.AudienceAll: 0, providers.AudienceTag: 20, providers.AudienceAlias: 1000, providers.AudienceCID: 1000}
	if len(caps.Audiences) != len(want) {
		t.Errorf("audiences %v, want %v", caps.Audiences, want)
	}
	for k, n := range want {
		if got, ok := caps.Audiences[k]; !ok || got != n {
			t.Errorf("audience %s: %d (%v), want %d", k, got, ok, n)
		}
	}
	if caps.Supports(providers.AudienceConditions) {
		t.Error("conditions declared native; the engine resolves them")
	}
	if caps.Idempotency != providers.IdempotencyDedupeWindow || caps.DedupeWindow <= 0 || caps.DedupeWindow >= 24*3600e9 {
		t.Errorf("idempotency %s within %s", caps.Idempotency, caps.DedupeWindow)
	}
}

func TestOptionsAndCheck(t *testing.T) {
	tests := []struct {
		name  string
		m     providers.Message
		field string
		msgID string
	}{
		{"fine", providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b",
			Options: providers.Options{OptBigPushDuration: float64(1400), OptPlatform: "ios", OptAPNSProduction: true}}, "", ""},
		{"spread too long", providers.Message{Options: providers.Options{OptBigPushDuration: float64(1401)}}, "message.options.big_push_duration", "err.range"},
		{"unknown platform", providers.Message{Options: providers.Options{OptPlatform: "winphone"}}, "message.options.platform", "err.one_of"},
		{"production not a bool", providers.Message{Options: providers.Options{OptAPNSProduction: "yes"}}, "message.options.apns_production", "err.not_bool"},
		{"content too long", providers.Message{Type: providers.TypeNotification, Title: "t", Body: strings.Repeat("长", 1300)}, "message.body", "jpush.err.content_too_long"},
	}
	caps := Capabilities()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := append(providers.CheckOptions(caps.Options, tc.m.Options), caps.Check(tc.m)...)
			if tc.field == "" {
				if len(ps) != 0 {
					t.Errorf("problems %+v", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Field != tc.field || ps[0].MsgID != tc.msgID {
				t.Errorf("problems %+v, want %s %s", ps, tc.field, tc.msgID)
			}
		})
	}
}
