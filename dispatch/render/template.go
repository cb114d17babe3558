package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// field is one personalizable text of a message.
type field struct {
	name string // the contract's field path, "message.title"
	at   func(m *providers.Message) *string
	text Text
}

// textFields are the message texts that may hold placeholders, besides
// the string values of message.ext.
func textFields() []field {
	return []field{
		{name: "message.title", at: func(m *providers.Message) *string { return &m.Title }},
		{name: "message.body", at: func(m *providers.Message) *string { return &m.Body }},
		{name: "message.big_text", at: func(m *providers.Message) *string { return &m.BigText }},
		{name: "message.click.url", at: func(m *providers.Message) *string { return &m.Click.URL }},
		{name: "message.click.payload", at: func(m *providers.Message) *string { return &m.Click.Payload }},
		{name: "message.click.intent", at: func(m *providers.Message) *string { return &m.Click.Intent }},
	}
}

// Template is a message parsed once for a campaign: the fields that hold
// placeholders, and the message they are rendered into.
type Template struct {
	base   providers.Message
	fields []field
	ext    *extTree // nil when no ext value holds a placeholder
}

// Parse parses every personalizable field of m. Problems name the field
// ("message.title") and the reason; a template with problems is nil.
func Parse(m providers.Message) (*Template, []providers.Problem) {
	t := &Template{base: m}
	var probs []providers.Problem
	for _, f := range textFields() {
		s := *f.at(&m)
		if !strings.Contains(s, "{{") {
			continue
		}
		txt, err := ParseText(s)
		if err != nil {
			probs = append(probs, problem(f.name, err))
			continue
		}
		if txt.Personal() {
			f.text = txt
			t.fields = append(t.fields, f)
		}
	}
	if bytes.Contains(m.Ext, []byte("{{")) {
		ext, err := parseExt(m.Ext)
		if err != nil {
			probs = append(probs, problem("message.ext", err))
		} else if ext.personal {
			t.ext = ext
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return t, nil
}

// problem turns a parse or render error into a field problem.
func problem(fieldName string, err error) providers.Problem {
	if pe, ok := err.(*ParseError); ok {
		return providers.Problem{Field: fieldName, MsgID: pe.MsgID, Args: pe.Args}
	}
	return providers.Problem{Field: fieldName, MsgID: ErrSyntax}
}

// Personal reports whether any field holds a placeholder: a message
// without one is sent as it is, to every recipient alike.
func (t *Template) Personal() bool { return t != nil && (len(t.fields) > 0 || t.ext != nil) }

// Names lists the names the template uses, each once.
func (t *Template) Names() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range t.fields {
		out = f.text.Names(seen, out)
	}
	if t.ext != nil {
		for _, s := range t.ext.texts {
			out = s.Names(seen, out)
		}
	}
	return out
}

// Render returns the message for one recipient and a key equal for two
// recipients exactly when their rendered messages are equal. A rendered
// field past MaxRendered is a problem naming it.
func (t *Template) Render(v Vars) (providers.Message, string, *providers.Problem) {
	return t.render(v, false)
}

// Fallback renders the message as a recipient with no values sees it:
// every placeholder replaced by its fallback or nothing. Drafts are
// checked against it so a text that breaks a rule for everyone is refused
// before it is stored.
func (t *Template) Fallback() (providers.Message, *providers.Problem) {
	m, _, p := t.render(Vars{}, true)
	return m, p
}

func (t *Template) render(v Vars, fallback bool) (providers.Message, string, *providers.Problem) {
	m := t.base
	var key strings.Builder
	for _, f := range t.fields {
		s, err := f.text.Render(v, fallback)
		if err != nil {
			p := problem(f.name, err)
			return m, "", &p
		}
		*f.at(&m) = s
		key.WriteString(strconv.Itoa(len(s)))
		key.WriteByte(':')
		key.WriteString(s)
	}
	if t.ext != nil {
		raw, err := t.ext.render(v, fallback)
		if err != nil {
			p := problem("message.ext", err)
			return m, "", &p
		}
		m.Ext = raw
		key.WriteString(strconv.Itoa(len(raw)))
		key.WriteByte(':')
		key.Write(raw)
	}
	return m, key.String(), nil
}

// Restore puts the template's own texts back into m, in place of what
// was rendered there (a draft is checked on its fallback rendering and
// stored with its placeholders), trimmed as a draft's texts are.
func (t *Template) Restore(m *providers.Message) {
	for _, f := range t.fields {
		*f.at(m) = strings.TrimSpace(*f.at(&t.base))
	}
	if t.ext != nil {
		m.Ext = t.base.Ext
	}
}

// FallsBack reports whether a recipient with v sees at least one
// placeholder's fallback (or nothing) instead of a value of its own.
func (t *Template) FallsBack(v Vars) bool {
	for _, f := range t.fields {
		if f.text.FallsBack(v) {
			return true
		}
	}
	if t.ext != nil {
		for _, s := range t.ext.texts {
			if s.FallsBack(v) {
				return true
			}
		}
	}
	return false
}

// extTree is message.ext decoded, its string values that hold
// placeholders parsed; rendering substitutes them and encodes it again,
// so a value with quotes or newlines keeps the JSON valid.
type extTree struct {
	root     any
	texts    []Text
	personal bool
}

// extText marks a string leaf of the tree by its index in texts.
type extText int

func parseExt(raw json.RawMessage) (*extTree, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, parseErr(ErrSyntax, nil)
	}
	t := &extTree{}
	var err error
	t.root, err = t.walk(root)
	return t, err
}

func (t *extTree) walk(n any) (any, error) {
	switch x := n.(type) {
	case map[string]any:
		for k, c := range x {
			w, err := t.walk(c)
			if err != nil {
				return nil, err
			}
			x[k] = w
		}
	case []any:
		for i, c := range x {
			w, err := t.walk(c)
			if err != nil {
				return nil, err
			}
			x[i] = w
		}
	case string:
		if !strings.Contains(x, "{{") {
			return x, nil
		}
		txt, err := ParseText(x)
		if err != nil {
			return nil, err
		}
		if len(t.texts) >= MaxPlaceholders {
			return nil, parseErr(ErrTooMany, map[string]any{"Max": MaxPlaceholders, "Count": MaxPlaceholders})
		}
		t.texts = append(t.texts, txt)
		t.personal = t.personal || txt.Personal()
		return extText(len(t.texts) - 1), nil
	}
	return n, nil
}

func (t *extTree) render(v Vars, fallback bool) (json.RawMessage, error) {
	out, err := t.fill(t.root, v, fallback)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("render: encode ext: %w", err)
	}
	if len(b) > MaxRendered {
		return nil, parseErr(ErrTooLong, map[string]any{"Max": MaxRendered})
	}
	return b, nil
}

// fill copies the tree with its texts rendered (the parsed tree is shared
// by every recipient and never written).
func (t *extTree) fill(n any, v Vars, fallback bool) (any, error) {
	switch x := n.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, c := range x {
			w, err := t.fill(c, v, fallback)
			if err != nil {
				return nil, err
			}
			out[k] = w
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			w, err := t.fill(c, v, fallback)
			if err != nil {
				return nil, err
			}
			out[i] = w
		}
		return out, nil
	case extText:
		return t.texts[x].Render(v, fallback)
	}
	return n, nil
}
