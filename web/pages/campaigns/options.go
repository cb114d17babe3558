package campaigns

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/pushdeck/pushdeck/web"
)

// OptionGroup is one provider kind's settings: the message options its
// provider declares, shown only while an account of that kind is chosen.
type OptionGroup struct {
	Kind   string
	Inputs []OptionInput
}

// OptionInput is one declared option as a form control.
type OptionInput struct {
	// Name is the option's key in message.options.
	Name string
	// Type is bool, int, string or choice.
	Type        string
	Label, Help string
	// Value is what the form holds: "1" for a ticked bool.
	Value string
	// Min and Max bound an int; Max is a string's longest, in bytes.
	Min, Max int
	Choices  []web.Option
}

// OptionFormName is the form field of the option name.
func OptionFormName(name string) string { return "opt_" + name }

// OptionName is the option a form field names, ok false for another field.
func OptionName(field string) (string, bool) { return strings.CutPrefix(field, "opt_") }

// FormName is the input's form field.
func (o OptionInput) FormName() string { return OptionFormName(o.Name) }

// Field is the control of a non-bool option: a number with its bounds, a
// text with its length, or a drop-down of the choices.
func (o OptionInput) Field(errs web.Errors) web.Field {
	f := web.Field{Name: o.FormName(), Label: o.Label, Help: o.Help, Value: o.Value, Error: errs[o.FormName()], Attrs: templ.Attributes{}}
	switch o.Type {
	case "int":
		f.Type = "number"
		f.Attrs["min"], f.Attrs["step"] = strconv.Itoa(o.Min), "1"
		if o.Max != 0 {
			f.Attrs["max"] = strconv.Itoa(o.Max)
		}
	case "choice":
		f.Type, f.Options = "select", o.Choices
	default:
		if o.Max > 0 {
			f.Attrs["maxlength"] = strconv.Itoa(o.Max)
		}
	}
	return f
}

// ShowsOptions reports whether a kind's settings start visible: its kind
// is chosen (or none is), or one of its fields has an error to see.
func (v FormView) ShowsOptions(g OptionGroup) bool {
	for _, o := range g.Inputs {
		if v.Errors[o.FormName()] != "" {
			return true
		}
	}
	return v.Kind == "" || v.Kind == g.Kind
}
