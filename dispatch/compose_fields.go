package dispatch

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Field groups of the composer that not every provider kind can use. The
// names are the JSON paths of the campaign body (and the keys of field
// errors), so the composer, the API and the validation speak of the same
// thing.
const (
	FieldBigText        = "message.big_text"
	FieldImageURL       = "message.image_url"
	FieldBadge          = "message.badge"
	FieldSound          = "message.sound"
	FieldExt            = "message.ext"
	FieldShowWindow     = "message.show_window"
	FieldWifiOnly       = "message.wifi_only"
	FieldSpeedHint      = "message.speed"
	FieldIOS            = "message.ios"
	FieldMutableContent = "message.ios.mutable_content"
	FieldAndroidChannel = "message.android.channel_id"
	FieldVendor         = "message.vendor"
	FieldMX             = "message.mx"
	FieldWeCom          = "message.wecom"
	FieldTTL            = "options.ttl_seconds"
)

var (
	mobileKinds = []providers.Kind{providers.KindGeTui, providers.KindMXPush, providers.KindSandbox}
	ttlKinds    = []providers.Kind{providers.KindGeTui, providers.KindSandbox}
)

// fieldKinds says which kinds can carry each field group. What a kind's
// client would drop or refuse is refused here, before anything is stored:
// MX push has no offline TTL or wifi-only flag, GeTui's iOS block has no
// mutable-content key, WeCom app messages have none of the mobile fields.
// The sandbox simulates a mobile provider and takes every mobile field.
var fieldKinds = map[string][]providers.Kind{
	FieldBigText:        mobileKinds,
	FieldImageURL:       mobileKinds,
	FieldBadge:          mobileKinds,
	FieldSound:          mobileKinds,
	FieldExt:            mobileKinds,
	FieldShowWindow:     mobileKinds,
	FieldWifiOnly:       ttlKinds,
	FieldSpeedHint:      ttlKinds,
	FieldIOS:            mobileKinds,
	FieldMutableContent: {providers.KindMXPush, providers.KindSandbox},
	FieldAndroidChannel: mobileKinds,
	FieldVendor:         mobileKinds,
	FieldMX:             {providers.KindMXPush},
	FieldWeCom:          {providers.KindWeCom},
	FieldTTL:            ttlKinds,
}

// FieldKinds lists the provider kinds that can use a field group (see the
// Field constants); every kind can use a field not listed.
func FieldKinds(field string) []providers.Kind {
	if ks, ok := fieldKinds[field]; ok {
		return ks
	}
	return []providers.Kind{providers.KindSandbox, providers.KindGeTui, providers.KindMXPush, providers.KindWeCom}
}

// FieldSupported reports whether a kind can use a field group.
func FieldSupported(kind providers.Kind, field string) bool {
	return slices.Contains(FieldKinds(field), kind)
}

// KindName is a provider kind's proper name, used in error messages.
func KindName(k providers.Kind) string {
	switch k {
	case providers.KindGeTui:
		return "GeTui"
	case providers.KindMXPush:
		return "MX push"
	case providers.KindWeCom:
		return "WeCom"
	case providers.KindSandbox:
		return "Sandbox"
	}
	return string(k)
}

// vendorKeys are the per-vendor override keys each kind understands: GeTui
// maps them to ups.options constraints (HO for honor), MX push has a block
// for each but honor.
var vendorKeys = map[providers.Kind][]string{
	providers.KindGeTui:   {"huawei", "xiaomi", "oppo", "vivo", "flyme", "fcm", "honor"},
	providers.KindSandbox: {"huawei", "xiaomi", "oppo", "vivo", "flyme", "fcm", "honor"},
	providers.KindMXPush:  {"huawei", "xiaomi", "oppo", "vivo", "flyme", "fcm"},
}

// VendorKeys lists the vendor override keys a kind accepts.
func VendorKeys(k providers.Kind) []string { return vendorKeys[k] }

// MX push distribution settings (seed 002 "setting").
var (
	MXStrategies = []string{"combined", "mxpush_only", "ospush_only"}
	MXSequence   = []string{"ups", "fcm", "huawei", "xiaomi", "oppo", "vivo", "meizu"}
)

// present reports which field groups a message sets.
func present(m providers.Message, o Options) map[string]bool {
	ext := bytes.TrimSpace(m.Ext)
	return map[string]bool{
		FieldBigText:        m.BigText != "",
		FieldImageURL:       m.ImageURL != "",
		FieldBadge:          m.Badge != nil,
		FieldSound:          m.Sound != "",
		FieldExt:            len(ext) > 0 && !bytes.Equal(ext, []byte("null")) && !bytes.Equal(ext, []byte("{}")),
		FieldShowWindow:     !m.ShowBegin.IsZero() || !m.ShowEnd.IsZero(),
		FieldWifiOnly:       m.WifiOnly,
		FieldSpeedHint:      m.Speed != 0,
		FieldIOS:            m.IOS != (providers.IOSOptions{}),
		FieldMutableContent: m.IOS.MutableContent,
		FieldAndroidChannel: m.Android.ChannelID != "",
		FieldVendor:         len(m.Vendor) > 0,
		FieldMX:             m.MX.Strategy != "" || len(m.MX.Sequence) > 0,
		FieldWeCom:          !zeroWeCom(m.WeCom),
		FieldTTL:            o.TTLSeconds != 0,
	}
}

func zeroWeCom(w providers.WeComOptions) bool {
	return !w.Safe && !w.EnableIDTrans && !w.DuplicateCheck && w.DuplicateCheckInterval == 0 && w.ButtonText == "" && len(w.Articles) == 0
}

// refuseUnsupported adds an error for every field group the message sets
// that its provider kind cannot carry.
func refuseUnsupported(v *models.ValidationError, kind providers.Kind, m providers.Message, o Options) {
	set := present(m, o)
	for _, f := range []string{FieldBigText, FieldImageURL, FieldBadge, FieldSound, FieldExt, FieldShowWindow, FieldWifiOnly,
		FieldSpeedHint, FieldMutableContent, FieldIOS, FieldAndroidChannel, FieldVendor, FieldMX, FieldWeCom, FieldTTL} {
		if set[f] && !FieldSupported(kind, f) {
			v.Add(f, "err.field_unsupported", map[string]any{"Provider": KindName(kind)})
		}
	}
}

// validateVendor checks the per-vendor overrides: known keys for the kind,
// JSON objects, and for MX push the exact fields of its vendor blocks.
func validateVendor(v *models.ValidationError, kind providers.Kind, vendors map[string]json.RawMessage) {
	allowed := vendorKeys[kind]
	names := make([]string, 0, len(vendors))
	for n := range vendors {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(allowed, name) {
			v.Add(FieldVendor, "err.vendor_key", map[string]any{"Vendor": name, "Allowed": strings.Join(allowed, ", ")})
			return
		}
		raw := bytes.TrimSpace(vendors[name])
		var obj map[string]json.RawMessage
		if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
			v.Add(FieldVendor, "err.vendor_object", map[string]any{"Vendor": name})
			return
		}
		if kind == providers.KindMXPush {
			validateMXVendor(v, name, raw)
		}
	}
}

// mxVendor mirrors the fields of MX push's vendor blocks (seed 002); the
// client decodes them strictly, so an unknown field would fail at send time.
type mxVendor struct {
	Sound          string `json:"sound"`
	ChannelID      string `json:"channel_id"`
	ClickAction    string `json:"click_action"`
	Intent         string `json:"intent"`
	BadgeClass     string `json:"badge_class"`
	PushMode       *int   `json:"push_mode"`
	Classification *int   `json:"classification"`
}

func validateMXVendor(v *models.ValidationError, name string, raw []byte) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		v.Add(FieldVendor, "err.vendor_object", map[string]any{"Vendor": name})
		return
	}
	known := []string{"sound", "channel_id", "click_action", "intent"}
	switch name {
	case "huawei":
		known = append(known, "badge_class")
	case "vivo":
		known = append(known, "push_mode", "classification")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			v.Add(FieldVendor, "err.vendor_field", map[string]any{"Vendor": name, "Field": k, "Allowed": strings.Join(known, ", ")})
			return
		}
	}
	var o mxVendor
	if err := json.Unmarshal(raw, &o); err != nil {
		v.Add(FieldVendor, "err.vendor_object", map[string]any{"Vendor": name})
		return
	}
	switch {
	case o.ClickAction != "" && o.ClickAction != "intent" && o.ClickAction != "open_app",
		o.ClickAction == "intent" && o.Intent == "":
		v.Add(FieldVendor, "err.vendor_click", map[string]any{"Vendor": name})
	case !zeroOrOne(o.PushMode) || !zeroOrOne(o.Classification):
		v.Add(FieldVendor, "err.vendor_binary", map[string]any{"Vendor": name})
	}
}

func zeroOrOne(p *int) bool { return p == nil || *p == 0 || *p == 1 }

// validateMX checks the distribution strategy and vendor sequence.
func validateMX(v *models.ValidationError, mx providers.MXOptions) {
	if mx.Strategy != "" && !slices.Contains(MXStrategies, mx.Strategy) {
		v.Add("message.mx.distribution_strategy", "err.choice", nil)
	}
	seen := map[string]bool{}
	for _, s := range mx.Sequence {
		if !slices.Contains(MXSequence, s) || seen[s] {
			v.Add("message.mx.ospush_sequence", "err.sequence", map[string]any{"Allowed": strings.Join(MXSequence, ", ")})
			return
		}
		seen[s] = true
	}
}
