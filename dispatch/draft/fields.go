package draft

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
		FieldWeCom:          !m.WeCom.IsZero(),
		FieldTTL:            o.TTLSeconds != 0,
	}
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

// validateVendor checks the per-vendor overrides: keys the provider
// declares, each a JSON object. The fields inside a block are the
// provider's to check (Check).
func validateVendor(v *models.ValidationError, caps providers.Capabilities, vendors map[string]json.RawMessage) {
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
	}
}

// FieldChoices lists the values the registry's providers take for a
// message field they offer as a drop-down (Capabilities.FieldChoices), each
// once, in the order of the kinds and then each provider's own.
func FieldChoices(reg providers.Registry, field string) []string {
	kinds := make([]providers.Kind, 0, len(reg))
	for k := range reg {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var out []string
	for _, k := range kinds {
		for _, c := range reg[k].Capabilities.FieldChoices[field] {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}
