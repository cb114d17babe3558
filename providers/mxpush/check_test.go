package mxpush

import (
	"encoding/json"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
)

// TestCheck pins MX push's own message rules as the composer's field
// problems: the distribution settings, the vendor blocks' fields and the
// click URL sent as an intent URI.
func TestCheck(t *testing.T) {
	vendor := func(name, raw string) func(*providers.Message) {
		return func(m *providers.Message) { m.Vendor = map[string]json.RawMessage{name: json.RawMessage(raw)} }
	}
	tests := []struct {
		name      string
		edit      func(*providers.Message)
		field, id string // "" means no problem
	}{
		{"plain", func(*providers.Message) {}, "", ""},
		{"strategy", func(m *providers.Message) { m.MX.Strategy = "ospush_only" }, "", ""},
		{"unknown strategy", func(m *providers.Message) { m.MX.Strategy = "fastest" }, fieldStrategy, "err.choice"},
		{"sequence", func(m *providers.Message) { m.MX.Sequence = []string{"huawei", "meizu"} }, "", ""},
		{"sequence repeated", func(m *providers.Message) { m.MX.Sequence = []string{"fcm", "fcm"} }, fieldSequence, "err.sequence"},
		{"sequence unknown", func(m *providers.Message) { m.MX.Sequence = []string{"honor"} }, fieldSequence, "err.sequence"},
		{"huawei badge class", vendor("huawei", `{"badge_class":"a.B"}`), "", ""},
		{"badge class on xiaomi", vendor("xiaomi", `{"badge_class":"a.B"}`), providers.FieldVendor, "err.vendor_field"},
		{"vivo push mode 1", vendor("vivo", `{"push_mode":1,"classification":0}`), "", ""},
		{"vivo push mode 2", vendor("vivo", `{"push_mode":2}`), providers.FieldVendor, "err.vendor_binary"},
		{"intent without intent", vendor("oppo", `{"click_action":"intent"}`), providers.FieldVendor, "err.vendor_click"},
		{"unknown click action", vendor("oppo", `{"click_action":"url"}`), providers.FieldVendor, "err.vendor_click"},
		{"not an object", vendor("fcm", `[1]`), providers.FieldVendor, "err.vendor_object"},
		{"wrong field type", vendor("fcm", `{"sound":1}`), providers.FieldVendor, "err.vendor_object"},
		{"undeclared vendor is the shared check's", vendor("honor", `{"x":1}`), "", ""},
		{"click URL with fragment", func(m *providers.Message) {
			m.Click = providers.Click{Action: providers.ClickURL, URL: "https://x.com/#a"}
		}, "message.click.url", "err.mx_url"},
		{"click URL with user", func(m *providers.Message) {
			m.Click = providers.Click{Action: providers.ClickURL, URL: "https://u@x.com/"}
		}, "message.click.url", "err.mx_url"},
		{"click URL", func(m *providers.Message) {
			m.Click = providers.Click{Action: providers.ClickURL, URL: "https://x.com/a?b=c"}
		}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b"}
			tc.edit(&m)
			ps := Capabilities().Check(m)
			if tc.field == "" {
				if len(ps) != 0 {
					t.Fatalf("want no problem, got %+v", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Field != tc.field || ps[0].MsgID != tc.id {
				t.Fatalf("got %+v, want one %s on %s", ps, tc.id, tc.field)
			}
		})
	}
}

// TestStrategiesDeclared: the composer's drop-down offers what Check takes.
func TestStrategiesDeclared(t *testing.T) {
	got := Capabilities().FieldChoices[fieldStrategy]
	if len(got) != 3 {
		t.Fatalf("strategies %v", got)
	}
	for _, s := range got {
		if ps := check(providers.Message{MX: providers.MXOptions{Strategy: s}}); len(ps) != 0 {
			t.Errorf("declared strategy %q refused: %+v", s, ps)
		}
	}
}
