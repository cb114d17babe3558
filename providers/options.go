package providers

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// Options are a message's provider-specific settings (`message.options`),
// keyed by the names a provider declares in Capabilities.Options. Values
// are what JSON decoding gives: bool, float64 or string.
type Options map[string]any

// OptionType is the kind of value an option holds.
type OptionType string

// Option types. A choice is a string from OptionField.Choices.
const (
	OptionBool   OptionType = "bool"
	OptionInt    OptionType = "int"
	OptionString OptionType = "string"
	OptionChoice OptionType = "choice"
)

// OptionField declares one provider-specific message setting, so the
// composer can render it and the shared checks can refuse a bad value
// before anything is stored, without knowing the provider.
type OptionField struct {
	// Name is the key in message.options ("apns_production"); field
	// errors name it "message.options.<Name>".
	Name string
	Type OptionType
	// Label and Help are message-catalog ids.
	Label, Help string
	// Min and Max bound an int; Max is the longest string in bytes (zero:
	// no limit beyond the shared one).
	Min, Max int
	// Choices are the values a choice may take, its default first;
	// ChoiceLabels, when set, are their message-catalog ids, in the same
	// order (the composer shows a raw value without one).
	Choices      []string
	ChoiceLabels []string
}

// Problem is one refused field of a message: the field's JSON path, a
// message-catalog id and its arguments, so the console shows it in the
// operator's language.
type Problem struct {
	Field string
	MsgID string
	Args  map[string]any
}

// maxOptionString bounds a string option whose field declares no Max.
const maxOptionString = 1024

// CheckOptions checks opts against the declared fields: unknown names,
// wrong types and values out of bounds are each a Problem.
func CheckOptions(fields []OptionField, opts Options) []Problem {
	var out []Problem
	names := make([]string, 0, len(opts))
	for name := range opts {
		names = append(names, name)
	}
	slices.Sort(names) // a stable order for the operator and for tests
	for _, name := range names {
		key := "message.options." + name
		i := slices.IndexFunc(fields, func(f OptionField) bool { return f.Name == name })
		if i < 0 {
			out = append(out, Problem{Field: key, MsgID: "err.unsupported_option"})
			continue
		}
		if p, bad := checkOption(fields[i], opts[name]); bad {
			p.Field = key
			out = append(out, p)
		}
	}
	return out
}

func checkOption(f OptionField, v any) (Problem, bool) {
	switch f.Type {
	case OptionBool:
		if _, ok := v.(bool); !ok {
			return Problem{MsgID: "err.not_bool"}, true
		}
	case OptionInt:
		n, ok := v.(float64)
		if !ok || n != math.Trunc(n) {
			return Problem{MsgID: "err.not_integer"}, true
		}
		if n < float64(f.Min) || (f.Max != 0 && n > float64(f.Max)) {
			return Problem{MsgID: "err.range", Args: map[string]any{"Min": f.Min, "Max": f.Max}}, true
		}
	case OptionString, OptionChoice:
		s, ok := v.(string)
		if !ok || !utf8.ValidString(s) {
			return Problem{MsgID: "err.not_string"}, true
		}
		max := f.Max
		if max == 0 {
			max = maxOptionString
		}
		if len(s) > max {
			return Problem{MsgID: "err.too_long_bytes", Args: map[string]any{"Max": max}}, true
		}
		if f.Type == OptionChoice && !slices.Contains(f.Choices, s) {
			return Problem{MsgID: "err.one_of", Args: map[string]any{"Values": fmt.Sprint(f.Choices)}}, true
		}
	}
	return Problem{}, false
}

// Bool returns the named option, false when absent or not a bool.
func (o Options) Bool(name string) bool {
	b, _ := o[name].(bool)
	return b
}

// Int returns the named option, 0 when absent or not a number.
func (o Options) Int(name string) int {
	n, _ := o[name].(float64)
	return int(n)
}

// String returns the named option, "" when absent or not a string.
func (o Options) String(name string) string {
	s, _ := o[name].(string)
	return s
}
