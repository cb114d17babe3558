// Package providers holds the provider-account pages: the list with each
// account's health and connection test, and the add / edit form whose
// credential fields follow the kind's registry Spec.
package providers

import (
	"context"
	"fmt"
	"strings"

	"github.com/a-h/templ"

	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
)

// Row is one account.
type Row struct {
	ID        int64
	Name      string
	Kind      string
	BaseURL   string
	Disabled  bool
	LastOK    string
	LastError string
	// LastErrorAt is when LastError happened (formatted).
	LastErrorAt string
	// Failing is true when the last error is newer than the last success.
	Failing bool
	// Health is HealthOK, HealthFailing or HealthUnknown (no call yet).
	Health string
	// Retrying is how many batches of the account's sending campaigns
	// wait for another attempt (formatted; empty for none).
	Retrying string
	// Test is the result of a connection test just run on this row.
	Test *TestResult
	// Rate is the request rate the engine sends at (learned or set).
	Rate string
}

// Health states of an account, from its last calls.
const (
	HealthOK      = "ok"
	HealthFailing = "failing"
	HealthUnknown = "unknown"
)

// ListView is the providers page.
type ListView struct {
	Rows []Row
}

// TestResult is the outcome of "Test connection".
type TestResult struct {
	ID int64
	OK bool
	// Message is the provider's own "code: message" when it refused.
	Message string
	// Internal is true when the test could not run for a reason that is
	// not the provider's answer (logged on the server).
	Internal bool
	// Host is where the test connected (the base URL's host).
	Host string
	// Failure says what went wrong in the operator's language: a refusal,
	// or a provider that could not be reached (a timeout is no refusal).
	Failure string
}

// CredField is one credential input, as the kind's Spec declares it.
type CredField struct {
	// Name is the credential's JSON name (app_id, corp_secret…).
	Name     string
	Value    string
	Secret   bool
	Required bool
	Integer  bool
	// Multiline is a value of several lines (a key file): a text area,
	// with a file input taking one of the Accept endings.
	Multiline bool
	Accept    []string
	// Choices, when set, are the only values: a drop-down.
	Choices []string
	// Stored is true on edit for a secret that has a value on file; the
	// value itself is never put into the page.
	Stored bool
	// Retype is true for a secret that was typed in a form coming back
	// with errors: it is not sent back, so the operator must type it again.
	Retype bool
}

// FormView is the add / edit form.
type FormView struct {
	// ID is zero when adding an account.
	ID int64
	// Quiet is the account's quiet-hours form (editing only).
	Quiet templ.Component
	// Account is the stored name of the account being edited (the title
	// keeps it while the name field is being changed).
	Account string
	// Kind is the chosen kind; it can change only while adding.
	Kind  string
	Kinds []web.Option
	Name  string
	// BaseURL is what the operator typed (empty for the kind's default).
	BaseURL string
	// RateLimit is the typed request rate (empty: learned).
	RateLimit       string
	BaseURLRequired bool
	DefaultBaseURL  string
	Fields          []CredField
	Errors          web.Errors
	// Unreadable is true on edit when the stored credentials were sealed
	// with another secret key: they must all be typed again.
	Unreadable bool
}

// HasFiles reports whether a field may be read from a file, so the form
// posts as multipart.
func (v FormView) HasFiles() bool {
	for _, f := range v.Fields {
		if f.Multiline {
			return true
		}
	}
	return false
}

// FileInput is the name of a multi-line credential's file input.
func FileInput(name string) string { return "credentials." + name + ".file" }

// Editing reports whether the form edits an existing account.
func (v FormView) Editing() bool { return v.ID > 0 }

// Action is where the form posts.
func (v FormView) Action() templ.SafeURL {
	if v.Editing() {
		return templ.SafeURL(fmt.Sprintf("/providers/%d", v.ID))
	}
	return "/providers"
}

// credentialField is the form control of one credential. Secrets are
// password inputs that never carry a value; on edit a stored secret may be
// left blank to keep it.
func credentialField(ctx context.Context, f CredField, errs web.Errors) web.Field {
	name := "credentials." + f.Name
	labelID := "providers.cred_" + f.Name
	label := i18n.T(ctx, labelID)
	if label == labelID {
		label = f.Name // a field this page has no label for yet
	}
	wf := web.Field{Name: name, Label: label, Value: f.Value, Error: errs[name], Required: f.Required && !f.Stored,
		Attrs: templ.Attributes{"autocomplete": "off", "spellcheck": "false"}}
	switch {
	case f.Secret:
		wf.Type, wf.Value = "password", ""
		// new-password keeps browsers from filling in the operator's own
		// sign-in password.
		wf.Attrs["autocomplete"] = "new-password"
		switch {
		case f.Retype && f.Stored:
			wf.Help = i18n.T(ctx, "providers.secret_retype_keep")
		case f.Retype:
			wf.Help = i18n.T(ctx, "providers.secret_retype")
		case f.Stored:
			wf.Help = i18n.T(ctx, "providers.secret_keep")
		}
	case f.Integer:
		wf.Attrs["inputmode"] = "numeric"
	}
	if f.Multiline {
		// A secret key file is never put back into the page either.
		wf.Type, wf.Rows = "textarea", 6
		if f.Secret {
			wf.Value = ""
		}
		delete(wf.Attrs, "autocomplete")
		file := i18n.T(ctx, "providers.file_help", map[string]any{"Endings": strings.Join(f.Accept, ", "), "Max": maxFileKB})
		if wf.Help == "" {
			wf.Help = file
		} else {
			wf.Help += " " + file
		}
	}
	if len(f.Choices) > 0 {
		wf.Type = "select"
		for _, c := range f.Choices {
			id := "providers.choice_" + f.Name + "_" + c
			label := i18n.T(ctx, id)
			if label == id {
				label = c // a value the catalog has no label for
			}
			wf.Options = append(wf.Options, web.Option{Value: c, Label: label})
		}
		if wf.Value == "" {
			wf.Value = f.Choices[0] // the default, as the provider declares it
		}
	}
	return wf
}

// maxFileKB is the largest credential file the form reads, in KiB (the
// handler enforces it).
const maxFileKB = 64

// MaxFileBytes is maxFileKB in bytes.
const MaxFileBytes = maxFileKB << 10

// fileField is the file input beside a multi-line credential.
func fileField(ctx context.Context, f CredField, errs web.Errors) web.Field {
	return web.Field{Name: FileInput(f.Name), Label: i18n.T(ctx, "providers.file_label"), Type: "file", Error: errs[FileInput(f.Name)],
		Attrs: templ.Attributes{"accept": strings.Join(f.Accept, ",")}}
}

// baseURLField is the optional (or, for MX push, required) base URL.
func baseURLField(ctx context.Context, v FormView) web.Field {
	f := web.Field{Name: "base_url", Label: i18n.T(ctx, "field.base_url"), Type: "url", Value: v.BaseURL, Error: v.Errors["base_url"],
		Required: v.BaseURLRequired, Placeholder: v.DefaultBaseURL}
	switch {
	case v.BaseURLRequired:
		f.Help = i18n.T(ctx, "providers.base_url_required")
	case v.DefaultBaseURL != "":
		f.Help = i18n.T(ctx, "providers.base_url_default", map[string]any{"Default": v.DefaultBaseURL})
	}
	return f
}

// kindSelect is the kind chooser of the add form: changing it re-renders
// the form for that kind (htmx), keeping the name and base URL typed.
func kindSelect(ctx context.Context, v FormView) web.Field {
	return web.Field{Name: "kind", Label: i18n.T(ctx, "field.kind"), Type: "select", Value: v.Kind, Options: v.Kinds, Error: v.Errors["kind"],
		Attrs: templ.Attributes{
			"hx-get": "/providers/new", "hx-trigger": "change", "hx-target": "#provider-form", "hx-swap": "outerHTML",
			"hx-include": "#provider-form [name='name'], #provider-form [name='base_url']", "hx-push-url": "true",
		}}
}

func testSlotID(id int64) string { return fmt.Sprintf("test-%d", id) }

func providerURL(id int64, action string) templ.SafeURL {
	if action == "" {
		return templ.SafeURL(fmt.Sprintf("/providers/%d", id))
	}
	return templ.SafeURL(fmt.Sprintf("/providers/%d/%s", id, action))
}

func formTitle(ctx context.Context, v FormView) string {
	if v.Editing() {
		return i18n.T(ctx, "providers.edit_title", map[string]any{"Name": v.Account})
	}
	return i18n.T(ctx, "providers.new_title")
}

// rateField is the account's request rate: empty or 0 to learn it.
func rateField(ctx context.Context, v FormView) web.Field {
	return web.Field{Name: "rate_limit", Label: i18n.T(ctx, "rate.field"), Value: v.RateLimit, Error: v.Errors["rate_limit"],
		Help: i18n.T(ctx, "rate.help"), Placeholder: "0",
		Attrs: templ.Attributes{"inputmode": "decimal", "autocomplete": "off", "data-testid": "rate-limit"}}
}
