package dispatch

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Field groups of the composer that not every provider carries (each
// provider declares its own in Capabilities.Fields).
const (
	FieldBigText        = providers.FieldBigText
	FieldImageURL       = providers.FieldImageURL
	FieldBadge          = providers.FieldBadge
	FieldSound          = providers.FieldSound
	FieldExt            = providers.FieldExt
	FieldShowWindow     = providers.FieldShowWindow
	FieldWifiOnly       = providers.FieldWifiOnly
	FieldSpeedHint      = providers.FieldSpeedHint
	FieldIOS            = providers.FieldIOS
	FieldMutableContent = providers.FieldMutableContent
	FieldAndroidChannel = providers.FieldAndroidChannel
	FieldVendor         = providers.FieldVendor
	FieldMX             = providers.FieldMX
	FieldWeCom          = providers.FieldWeCom
	FieldTTL            = providers.FieldTTL
)

// FieldSupported reports whether a provider with caps can carry a field
// group. What its client would drop or refuse is refused here, before
// anything is stored; a field that is no group is carried by every provider.
func FieldSupported(caps providers.Capabilities, field string) bool {
	return !slices.Contains(providers.FieldGroups(), field) || slices.Contains(caps.Fields, field)
}

// FieldKinds lists, by name, the registry's kinds that can carry a field
// group.
func FieldKinds(reg providers.Registry, field string) []providers.Kind {
	var out []providers.Kind
	for k, spec := range reg {
		if FieldSupported(spec.Capabilities, field) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// KindName is a provider's proper name, used in error messages.
func KindName(caps providers.Capabilities, k providers.Kind) string {
	if caps.Name != "" {
		return caps.Name
	}
	return string(k)
}

// VendorKeys lists the vendor override keys a provider accepts.
func VendorKeys(caps providers.Capabilities) []string { return caps.VendorKeys }

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
func refuseUnsupported(v *models.ValidationError, kind providers.Kind, caps providers.Capabilities, m providers.Message, o Options) {
	set := present(m, o)
	for _, f := range providers.FieldGroups() {
		if set[f] && !FieldSupported(caps, f) {
			v.Add(f, "err.field_unsupported", map[string]any{"Provider": KindName(caps, kind)})
		}
	}
}

// validateVendor checks the per-vendor overrides: known keys for the kind,
// JSON objects, and for MX push the exact fields of its vendor blocks.
func validateVendor(v *models.ValidationError, kind providers.Kind, caps providers.Capabilities, vendors map[string]json.RawMessage) {
	allowed := caps.VendorKeys
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
