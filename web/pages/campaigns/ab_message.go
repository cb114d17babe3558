package campaigns

import (
	"context"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
)

// MessageValues are the message section's fields as typed: the composer's
// own message, and each further variant's (which the composer names
// ab_<field>_<i>).
type MessageValues struct {
	Type        string
	Title       string
	Body        string
	BigText     string
	ImageURL    string
	ClickAction string
	ClickValue  string
	Badge       string
	Sound       string
	Ext         string
	ShowBegin   string
	ShowEnd     string
	WifiOnly    bool
}

// VariantField is one field of the message section a variant sets.
type VariantField struct {
	// Name is the composer's own field; a variant's is ABField(Name, i).
	Name string
	// Label is its catalog key.
	Label string
	// Group is the provider field group it belongs to ("" for every kind).
	Group string
	// Type is the control: "" (text), textarea, url, number,
	// datetime-local, checkbox, or type and action (the two selects).
	Type string
}

// VariantFields are the message section's fields, in its order. A
// variant's title and body always show; the others show under them.
func VariantFields() []VariantField {
	return []VariantField{
		{Name: "type", Label: "field.type", Type: "type"},
		{Name: "title", Label: "field.title"},
		{Name: "body", Label: "field.body", Type: "textarea"},
		{Name: "big_text", Label: "field.big_text", Group: "message.big_text", Type: "textarea"},
		{Name: "image_url", Label: "field.image_url", Group: "message.image_url", Type: "url"},
		{Name: "click_action", Label: "field.click_action", Type: "action"},
		{Name: "click_value", Label: "field.click_value"},
		{Name: "badge", Label: "field.badge", Group: "message.badge", Type: "number"},
		{Name: "sound", Label: "field.sound", Group: "message.sound"},
		{Name: "ext", Label: "field.ext", Group: "message.ext", Type: "textarea"},
		{Name: "show_begin", Label: "field.show_begin", Group: "message.show_window", Type: "datetime-local"},
		{Name: "show_end", Label: "field.show_end", Group: "message.show_window", Type: "datetime-local"},
		{Name: "wifi_only", Label: "field.wifi_only", Group: "message.wifi_only", Type: "checkbox"},
	}
}

// IsVariantField reports whether a composer field is one a variant sets.
func IsVariantField(name string) bool {
	for _, f := range VariantFields() {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Get is the typed value of a field ("1" for a ticked box).
func (m MessageValues) Get(name string) string {
	switch name {
	case "type":
		return m.Type
	case "title":
		return m.Title
	case "body":
		return m.Body
	case "big_text":
		return m.BigText
	case "image_url":
		return m.ImageURL
	case "click_action":
		return m.ClickAction
	case "click_value":
		return m.ClickValue
	case "badge":
		return m.Badge
	case "sound":
		return m.Sound
	case "ext":
		return m.Ext
	case "show_begin":
		return m.ShowBegin
	case "show_end":
		return m.ShowEnd
	case "wifi_only":
		if m.WifiOnly {
			return "1"
		}
	}
	return ""
}

// Set stores a typed value by field name (any value but "" ticks a box).
func (m *MessageValues) Set(name, value string) {
	switch name {
	case "type":
		m.Type = value
	case "title":
		m.Title = value
	case "body":
		m.Body = value
	case "big_text":
		m.BigText = value
	case "image_url":
		m.ImageURL = value
	case "click_action":
		m.ClickAction = value
	case "click_value":
		m.ClickValue = value
	case "badge":
		m.Badge = value
	case "sound":
		m.Sound = value
	case "ext":
		m.Ext = value
	case "show_begin":
		m.ShowBegin = value
	case "show_end":
		m.ShowEnd = value
	case "wifi_only":
		m.WifiOnly = value != ""
	}
}

// Differs lists the fields in which m differs from the first variant's
// message, in the section's order.
func (m MessageValues) Differs(first MessageValues) []VariantField {
	var out []VariantField
	for _, f := range VariantFields() {
		if m.Get(f.Name) != first.Get(f.Name) {
			out = append(out, f)
		}
	}
	return out
}

// variantFieldName is the composer's name of variant i's field.
func variantFieldName(f VariantField, i int) string { return ABField(f.Name, i) }

// variantIndex is i as text, for test ids.
func variantIndex(i int) string { return strconv.Itoa(i) }

// alwaysShown: a variant's title and body show outside its other fields.
func alwaysShown(f VariantField) bool { return f.Name == "title" || f.Name == "body" }

// variantMoreOpen reports whether a variant's other fields start open:
// one of them differs from the first or has an error.
func (v FormView) variantMoreOpen(i int, vr ABVariantValues) bool {
	for _, f := range VariantFields() {
		if alwaysShown(f) {
			continue
		}
		if vr.Get(f.Name) != v.Values.Get(f.Name) || v.Errors[variantFieldName(f, i)] != "" {
			return true
		}
	}
	return false
}

// differsText names the fields in which a variant differs from the first.
func differsText(ctx context.Context, v FormView, vr ABVariantValues) string {
	first := ""
	if len(v.Values.AB.Variants) > 0 {
		first = v.Values.AB.Variants[0].Name
	}
	diff := vr.Differs(v.Values.MessageValues)
	if len(diff) == 0 {
		return i18n.T(ctx, "abconsole.same_as_first", map[string]any{"First": first})
	}
	labels := make([]string, len(diff))
	for i, f := range diff {
		labels[i] = i18n.T(ctx, f.Label)
	}
	return i18n.T(ctx, "abconsole.differs_in", map[string]any{"First": first, "Fields": strings.Join(labels, i18n.T(ctx, "abconsole.list_sep"))})
}

// variantInput is a text, number, date or select field of variant i,
// tied to the composer's own field it copies (data-ab-base).
func variantInput(ctx context.Context, v FormView, i int, vr ABVariantValues, f VariantField) web.Field {
	name := variantFieldName(f, i)
	out := web.Field{Name: name, Label: i18n.T(ctx, f.Label), Type: f.Type, Value: vr.Get(f.Name), Error: v.Errors[name],
		Attrs: templ.Attributes{"data-ab-base": f.Name}}
	switch f.Type {
	case "textarea":
		out.Rows = 2
	case "action":
		out.Type, out.Options = "select", v.Actions
	case "url":
		out.Placeholder = "https://"
	}
	if f.Name == "ext" {
		out.Placeholder = "{\"key\": \"value\"}"
	}
	return out
}
