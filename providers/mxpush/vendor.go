package mxpush

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// vendorNames are the message's per-vendor blocks. Meizu's block is
// "flyme" (ospush_sequence says "meizu"); Honor has none.
func vendorNames() []string { return []string{"huawei", "xiaomi", "oppo", "vivo", "flyme", "fcm"} }

// applyVendors decodes Message.Vendor[name] into the wire blocks after the
// same checks the composer applies (vendorProblem), so nothing is silently
// dropped. The server lets a vendor block override the android block, so
// the objects are sent as given.
func applyVendors(nm *notifyMessage, vendors map[string]json.RawMessage) error {
	names := make([]string, 0, len(vendors))
	for n := range vendors {
		names = append(names, n)
	}
	slices.Sort(names) // deterministic error for several bad keys
	for _, name := range names {
		if err := applyVendor(nm, name, vendors[name]); err != nil {
			return err
		}
	}
	return nil
}

func applyVendor(nm *notifyMessage, name string, raw json.RawMessage) error {
	if !slices.Contains(vendorNames(), name) {
		return invalid("vendor %q has no MX push block (%s)", name, strings.Join(vendorNames(), ", "))
	}
	if p, bad := vendorProblem(name, raw); bad {
		return refusal(p)
	}
	var err error
	switch name {
	case "huawei":
		nm.Huawei = &huaweiOptions{}
		err = json.Unmarshal(raw, nm.Huawei)
	case "vivo":
		nm.VIVO = &vivoOptions{}
		err = json.Unmarshal(raw, nm.VIVO)
	default:
		o := &vendorOptions{}
		err = json.Unmarshal(raw, o)
		switch name {
		case "xiaomi":
			nm.Xiaomi = o
		case "oppo":
			nm.OPPO = o
		case "flyme":
			nm.Flyme = o
		default:
			nm.FCM = o
		}
	}
	if err != nil { // vendorProblem decoded the same bytes; kept for safety
		pe := invalid("vendor %s: options do not match the MX push fields", name)
		pe.Err = fmt.Errorf("mxpush: vendor %s: %w", name, err)
		return pe
	}
	return nil
}

// compile-time check that the client implements the interfaces it claims.
var (
	_ providers.Provider = (*Client)(nil)
	_ providers.Reporter = (*Client)(nil)
)
