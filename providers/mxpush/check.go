package mxpush

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// The values "setting" takes: distribution_strategy, and the channels
// ospush_sequence may order (Meizu's channel is "meizu" there, while its
// vendor block is "flyme").
func strategies() []string { return []string{"combined", "mxpush_only", "ospush_only"} }
func sequences() []string {
	return []string{"ups", "fcm", "huawei", "xiaomi", "oppo", "vivo", "meizu"}
}

// Field keys of MX push's own message settings, as the campaign body and
// its field errors name them.
const (
	fieldStrategy = "message.mx.distribution_strategy"
	fieldSequence = "message.mx.ospush_sequence"
)

// check is Capabilities.Check: MX push's own message rules, as field
// problems the composer shows. Send applies the same functions before it
// calls the server, so a draft that passes here is not refused there.
func check(m providers.Message) []providers.Problem {
	out := settingProblems(m.MX)
	names := make([]string, 0, len(m.Vendor))
	for n := range m.Vendor {
		names = append(names, n)
	}
	slices.Sort(names) // one stable problem when several blocks are bad
	for _, name := range names {
		if !slices.Contains(vendorNames(), name) {
			continue // the shared check refuses a key the provider does not declare
		}
		if p, bad := vendorProblem(name, m.Vendor[name]); bad {
			out = append(out, p)
			break
		}
	}
	if m.Type != providers.TypeTransmission && m.Click.Action == providers.ClickURL {
		if p, bad := clickURLProblem(m.Click.URL); bad {
			out = append(out, p)
		}
	}
	return out
}

// settingProblems checks the distribution strategy and the channel order
// (known channels, each once).
func settingProblems(mx providers.MXOptions) []providers.Problem {
	var out []providers.Problem
	if mx.Strategy != "" && !slices.Contains(strategies(), mx.Strategy) {
		out = append(out, providers.Problem{Field: fieldStrategy, MsgID: "err.choice"})
	}
	seen := map[string]bool{}
	for _, s := range mx.Sequence {
		if !slices.Contains(sequences(), s) || seen[s] {
			out = append(out, providers.Problem{Field: fieldSequence, MsgID: "err.sequence",
				Args: map[string]any{"Allowed": strings.Join(sequences(), ", ")}})
			break
		}
		seen[s] = true
	}
	return out
}

// vendorFields are the fields a vendor block may carry: the four every
// block shares, plus Huawei's badge class and vivo's push mode and
// classification. The server decodes the blocks strictly, so another field
// would fail the whole push.
func vendorFields(name string) []string {
	known := []string{"sound", "channel_id", "click_action", "intent"}
	switch name {
	case "huawei":
		known = append(known, "badge_class")
	case "vivo":
		known = append(known, "push_mode", "classification")
	}
	return known
}

// vendorBlock holds every field any vendor block may carry.
type vendorBlock struct {
	vendorOptions
	BadgeClass     string `json:"badge_class"`
	PushMode       *int   `json:"push_mode"`
	Classification *int   `json:"classification"`
}

// vendorProblem checks one vendor block: a JSON object with the block's own
// fields, a click action of intent (with an intent) or open_app, and vivo's
// push mode and classification each 0 or 1.
func vendorProblem(name string, raw json.RawMessage) (providers.Problem, bool) {
	vendor := map[string]any{"Vendor": name}
	bad := func(id string, args map[string]any) (providers.Problem, bool) {
		return providers.Problem{Field: providers.FieldVendor, MsgID: id, Args: args}, true
	}
	d := bytes.TrimSpace(raw)
	var obj map[string]json.RawMessage
	if len(d) == 0 || d[0] != '{' || json.Unmarshal(d, &obj) != nil {
		return bad("err.vendor_object", vendor)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	known := vendorFields(name)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			return bad("err.vendor_field", map[string]any{"Vendor": name, "Field": k, "Allowed": strings.Join(known, ", ")})
		}
	}
	var o vendorBlock
	if err := json.Unmarshal(d, &o); err != nil {
		return bad("err.vendor_object", vendor)
	}
	switch {
	case o.ClickAction != "" && o.ClickAction != clickIntent && o.ClickAction != clickOpenApp,
		o.ClickAction == clickIntent && o.Intent == "":
		return bad("err.vendor_click", vendor)
	case !zeroOrOne(o.PushMode) || !zeroOrOne(o.Classification):
		return bad("err.vendor_binary", vendor)
	}
	return providers.Problem{}, false
}

func zeroOrOne(p *int) bool { return p == nil || *p == 0 || *p == 1 }

// clickURLProblem: MX push has no URL action, so a click URL travels as an
// Android intent URI (viewIntent), which has no place for a fragment or
// user info. An URL that is not http(s) is the shared check's to refuse.
func clickURLProblem(raw string) (providers.Problem, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return providers.Problem{}, false
	}
	if u.Fragment != "" || u.User != nil {
		return providers.Problem{Field: "message.click.url", MsgID: "err.mx_url"}, true
	}
	return providers.Problem{}, false
}

// refusal turns a problem found at send time into the Permanent error Send
// returns, in words an operator reads in the campaign's log.
func refusal(p providers.Problem) *providers.Error {
	vendor, _ := p.Args["Vendor"].(string)
	switch p.MsgID {
	case "err.vendor_object":
		return invalid("vendor %s: options must be a JSON object", vendor)
	case "err.vendor_field":
		return invalid("vendor %s: field %q is not one of %s", vendor, p.Args["Field"], p.Args["Allowed"])
	case "err.vendor_click":
		return invalid("vendor %s: click_action must be intent or open_app, and intent needs an intent", vendor)
	case "err.vendor_binary":
		return invalid("vendor %s: push_mode and classification must be 0 or 1", vendor)
	case "err.mx_url":
		return invalid("click URL must not carry a fragment or user info (it is sent as an Android intent URI)")
	}
	switch p.Field {
	case fieldStrategy:
		return invalid("distribution strategy must be one of %s", strings.Join(strategies(), ", "))
	case fieldSequence:
		return invalid("ospush_sequence must list each of %s at most once", strings.Join(sequences(), ", "))
	}
	return invalid("%s: %s", p.Field, p.MsgID)
}
