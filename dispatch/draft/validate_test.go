package draft

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// capsOf builds a kind's real client to read its capabilities (no call).
func capsOf(t *testing.T, kind providers.Kind) providers.Capabilities {
	t.Helper()
	creds := map[providers.Kind]string{
		providers.KindSandbox: `{}`,
		providers.KindGeTui:   `{"app_id":"a","app_key":"k","master_secret":"s"}`,
		providers.KindMXPush:  `{"app_id":"a","access_token":"t"}`,
		providers.KindWeCom:   `{"corp_id":"c","corp_secret":"s","agent_id":1}`,
	}
	p, err := testRegistry().Build(kind, providers.Config{BaseURL: "http://127.0.0.1:1", Credentials: json.RawMessage(creds[kind])})
	if err != nil {
		t.Fatal(err)
	}
	return p.Capabilities()
}

// TestDraftValidate covers the rules the composer and the API share,
// including those only the API can reach (fields the engine owns, raw
// durations, condition audiences), per kind.
func TestDraftValidate(t *testing.T) {
	badge := -1
	tests := []struct {
		name  string
		kind  providers.Kind
		edit  func(d *Draft)
		field string // "" means valid
	}{
		{"valid notification", providers.KindGeTui, func(*Draft) {}, ""},
		{"message ttl is the engine's", providers.KindGeTui, func(d *Draft) { d.Message.TTL = time.Hour }, "message.ttl"},
		{"message group is the engine's", providers.KindGeTui, func(d *Draft) { d.Message.Group = "g" }, "message.group"},
		{"negative badge", providers.KindMXPush, func(d *Draft) { d.Message.Badge = &badge }, "message.badge"},
		{"speed hint on MX", providers.KindMXPush, func(d *Draft) { d.Message.Speed = 10 }, "message.speed"},
		{"mutable content on GeTui", providers.KindGeTui, func(d *Draft) { d.Message.IOS.MutableContent = true }, FieldMutableContent},
		{"mutable content on MX", providers.KindMXPush, func(d *Draft) { d.Message.IOS.MutableContent = true }, ""},
		{"honor on MX", providers.KindMXPush, func(d *Draft) { d.Message.Vendor = map[string]json.RawMessage{"honor": json.RawMessage(`{}`)} }, FieldVendor},
		{"honor on GeTui", providers.KindGeTui, func(d *Draft) { d.Message.Vendor = map[string]json.RawMessage{"honor": json.RawMessage(`{"/a": 1}`)} }, ""},
		{"vivo push mode 2", providers.KindMXPush, func(d *Draft) {
			d.Message.Vendor = map[string]json.RawMessage{"vivo": json.RawMessage(`{"push_mode": 2}`)}
		}, FieldVendor},
		{"sequence repeated", providers.KindMXPush, func(d *Draft) { d.Message.MX.Sequence = []string{"fcm", "fcm"} }, "message.mx.ospush_sequence"},
		{"wecom interval in ns over 4h", providers.KindWeCom, func(d *Draft) {
			*d = weComDraft()
			d.Message.WeCom.DuplicateCheckInterval = 5 * time.Hour
		}, "message.wecom.duplicate_check_interval"},
		{"wecom text", providers.KindWeCom, func(d *Draft) { *d = weComDraft() }, ""},
		{"wecom text 2048 bytes", providers.KindWeCom, func(d *Draft) {
			*d = weComDraft()
			d.Message.Body = strings.Repeat("a", 2048)
		}, ""},
		{"wecom empty type is text", providers.KindWeCom, func(d *Draft) {
			*d = weComDraft()
			d.Message.Type = ""
		}, ""},
		{"wecom news without articles", providers.KindWeCom, func(d *Draft) {
			*d = weComDraft()
			d.Message.Type, d.Message.Body = providers.TypeNews, ""
		}, "message.wecom.articles"},
		{"wecom ttl", providers.KindWeCom, func(d *Draft) {
			*d = weComDraft()
			d.Options.TTLSeconds = 60
		}, FieldTTL},
		{"conditions need a tree", providers.KindSandbox, func(d *Draft) { d.Audience = models.Audience{Kind: "conditions"} }, "audience.conditions"},
		{"segment needs one id", providers.KindSandbox, func(d *Draft) { d.Audience = models.Audience{Kind: "segment", Values: []string{"1", "2"}} }, "audience.values"},
		{"segment id", providers.KindSandbox, func(d *Draft) { d.Audience = models.Audience{Kind: "segment", Values: []string{"7"}} }, ""},
		{"unknown zone", providers.KindSandbox, func(d *Draft) { d.Options.Timezone = "Nowhere/City" }, "options.timezone"},
		{"Local is not a zone", providers.KindSandbox, func(d *Draft) { d.Options.Timezone = "Local" }, "options.timezone"},
		{"zone", providers.KindSandbox, func(d *Draft) { d.Options.Timezone = "Asia/Shanghai" }, ""},
		{"show window of exactly 6 min on GeTui", providers.KindGeTui, func(d *Draft) {
			d.Message.ShowBegin = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
			d.Message.ShowEnd = d.Message.ShowBegin.Add(6 * time.Minute)
		}, "message.show_end"},
		{"show end only on MX", providers.KindMXPush, func(d *Draft) { d.Message.ShowEnd = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC) }, ""},
		{"image URL over 1024", providers.KindSandbox, func(d *Draft) { d.Message.ImageURL = "https://e.com/" + strings.Repeat("a", 1020) + ".png" }, "message.image_url"},
		{"ext too large", providers.KindSandbox, func(d *Draft) { d.Message.Ext = json.RawMessage(`{"a":"` + strings.Repeat("x", 5000) + `"}`) }, "message.ext"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Draft{Name: "n", ProviderID: 1, Audience: models.Audience{Kind: "cid", Values: []string{"a"}},
				Message: providers.Message{Type: providers.TypeNotification, Title: "T", Body: "B"}}
			tc.edit(&d)
			err := d.Validate(models.ProviderAccount{Kind: string(tc.kind)}, capsOf(t, tc.kind))
			var ve *models.ValidationError
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("want a validation error on %s, got %v", tc.field, err)
			}
			if _, ok := ve.Fields[tc.field]; !ok {
				t.Errorf("no error on %s: %v", tc.field, ve)
			}
		})
	}
}

func weComDraft() Draft {
	return Draft{Name: "w", ProviderID: 1, Audience: models.Audience{Kind: "cid", Values: []string{"alice"}},
		Message: providers.Message{Type: providers.TypeText, Body: "hello"}}
}

func TestFieldKinds(t *testing.T) {
	reg := testRegistry()
	caps := func(k providers.Kind) providers.Capabilities { return reg[k].Capabilities }
	if FieldSupported(caps(providers.KindGeTui), FieldMutableContent) || !FieldSupported(caps(providers.KindMXPush), FieldMutableContent) {
		t.Error("mutable content: GeTui refuses it, MX push takes it")
	}
	if slices.Contains(VendorKeys(caps(providers.KindMXPush)), "honor") || !slices.Contains(VendorKeys(caps(providers.KindGeTui)), "honor") {
		t.Error("honor: GeTui only")
	}
	if got := FieldKinds(reg, FieldMX); !slices.Equal(got, []providers.Kind{providers.KindMXPush}) {
		t.Errorf("MX settings carried by %v", got)
	}
	if got := FieldKinds(reg, FieldTTL); !slices.Equal(got, []providers.Kind{providers.KindGeTui, providers.KindSandbox}) {
		t.Errorf("offline TTL carried by %v", got)
	}
	if !FieldSupported(caps(providers.KindWeCom), "name") {
		t.Error("a field with no restriction is for every kind")
	}
}
