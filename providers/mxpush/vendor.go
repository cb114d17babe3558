package mxpush

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// vendorNames are the per-vendor blocks of seed 002's message. Meizu's block
// is "flyme" (ospush_sequence says "meizu").
var vendorNames = []string{"huawei", "xiaomi", "oppo", "vivo", "flyme", "fcm"}

// applyVendors decodes Message.Vendor[name] into the seed's objects, with
// unknown fields refused so nothing is silently dropped. The server itself
// lets a vendor block override the android block ("如果设置，会覆盖Android里的
// 相应属性"), so the objects are sent as given after validation.
func applyVendors(nm *notifyMessage, vendors map[string]json.RawMessage) error {
	names := make([]string, 0, len(vendors))
	for n := range vendors {
		names = append(names, n)
	}
	sort.Strings(names) // deterministic error for several bad keys
	for _, name := range names {
		if err := applyVendor(nm, name, vendors[name]); err != nil {
			return err
		}
	}
	return nil
}

func applyVendor(nm *notifyMessage, name string, raw json.RawMessage) error {
	switch name {
	case "huawei":
		var o huaweiOptions
		if err := decodeVendor(name, raw, &o); err != nil {
			return err
		}
		nm.Huawei = &o
		return checkVendor(name, o.vendorOptions)
	case "vivo":
		var o vivoOptions
		if err := decodeVendor(name, raw, &o); err != nil {
			return err
		}
		if !zeroOrOne(o.PushMode) || !zeroOrOne(o.Classification) {
			return invalid("vendor vivo: push_mode and classification must be 0 or 1")
		}
		nm.VIVO = &o
		return checkVendor(name, o.vendorOptions)
	case "xiaomi", "oppo", "flyme", "fcm":
		var o vendorOptions
		if err := decodeVendor(name, raw, &o); err != nil {
			return err
		}
		switch name {
		case "xiaomi":
			nm.Xiaomi = &o
		case "oppo":
			nm.OPPO = &o
		case "flyme":
			nm.Flyme = &o
		default:
			nm.FCM = &o
		}
		return checkVendor(name, o)
	}
	return invalid("vendor %q has no MX push block (%s)", name, strings.Join(vendorNames, ", "))
}

// decodeVendor decodes one vendor object strictly.
func decodeVendor(name string, raw json.RawMessage, v any) error {
	d := bytes.TrimSpace(raw)
	if len(d) == 0 || d[0] != '{' {
		return invalid("vendor %s: options must be a JSON object", name)
	}
	dec := json.NewDecoder(bytes.NewReader(d))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		pe := invalid("vendor %s: options do not match the MX push fields: %v", name, err)
		pe.Err = err
		return pe
	}
	return nil
}

// checkVendor applies the seed's click rules: click_action is intent or
// open_app, and intent is required with click_action intent.
func checkVendor(name string, o vendorOptions) error {
	switch o.ClickAction {
	case "", clickOpenApp:
	case clickIntent:
		if o.Intent == "" {
			return invalid("vendor %s: click_action intent needs an intent", name)
		}
	default:
		return invalid("vendor %s: click_action %q must be intent or open_app", name, o.ClickAction)
	}
	return nil
}

func zeroOrOne(p *int) bool { return p == nil || *p == 0 || *p == 1 }

// compile-time check that the client implements the interfaces it claims.
var (
	_ providers.Provider = (*Client)(nil)
	_ providers.Reporter = (*Client)(nil)
)
