package web

import (
	"context"
	"strconv"

	"github.com/a-h/templ"

	"github.com/pushdeck/pushdeck/web/i18n"
)

// Errors maps form field names to translated messages.
type Errors map[string]string

// Field describes one form control.
type Field struct {
	Name  string
	Label string
	// Type is the input type (text, email, password, number, url, datetime-local);
	// "textarea" and "select" render those elements.
	Type        string
	Value       string
	Help        string
	Error       string
	Required    bool
	Placeholder string
	Options     []Option
	Attrs       templ.Attributes
	Rows        int
}

// Option is one choice of a select.
type Option struct {
	Value string
	Label string
}

func (f Field) id() string { return "f-" + f.Name }

func (f Field) inputType() string {
	if f.Type == "" {
		return "text"
	}
	return f.Type
}

// T is a shorthand for translating inside Go view-model code.
func T(ctx context.Context, id string, data ...map[string]any) string {
	return i18n.T(ctx, id, data...)
}

func rowsOf(f Field) string {
	if f.Rows > 0 {
		return strconv.Itoa(f.Rows)
	}
	return "4"
}
