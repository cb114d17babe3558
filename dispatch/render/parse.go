// Package render is the personalization language of message texts:
// `{{ name }}` takes a recipient's value, `{{ name | default: "there" }}`
// gives a fallback for a recipient without one. Names are the device's
// fixed fields (cid, alias, user_id, platform, region) and its free
// attributes; nothing else is reachable. A template is parsed once per
// campaign and rendered per recipient: rendering only concatenates text
// and looked-up values, so it executes nothing, loops over nothing and its
// output is bounded (MaxRendered).
package render

import (
	"strings"
)

// Limits of the language. A field holds at most MaxPlaceholders
// placeholders; a fallback is at most MaxDefaultLen bytes; a rendered
// field is at most MaxRendered bytes (a recipient's text past it fails).
const (
	MaxPlaceholders = 64
	MaxDefaultLen   = 256
	MaxNameLen      = 64
	MaxRendered     = 16 << 10
)

// Catalog ids of parse and render problems; Args name the details.
const (
	ErrUnclosed = "personalize.err_unclosed"
	ErrFilter   = "personalize.err_filter"
	ErrQuote    = "personalize.err_quote"
	ErrName     = "personalize.err_name"
	ErrTooMany  = "personalize.err_too_many"
	ErrSyntax   = "personalize.err_syntax"
	ErrTooLong  = "personalize.err_too_long"
)

// segment is literal text followed, when name is set, by a placeholder.
type segment struct {
	lit  string
	name string
	def  string
	// hasVar is false for the trailing literal.
	hasVar bool
}

// Text is one parsed field: literal runs and placeholders in order.
type Text struct {
	segs []segment
}

// Personal reports whether the text holds a placeholder.
func (t Text) Personal() bool {
	for _, s := range t.segs {
		if s.hasVar {
			return true
		}
	}
	return false
}

// ParseError is a problem in a template's text, as a catalog id with its
// arguments (the field is the caller's to name).
type ParseError struct {
	MsgID string
	Args  map[string]any
}

func (e *ParseError) Error() string { return "render: " + e.MsgID }

func parseErr(id string, args map[string]any) *ParseError { return &ParseError{MsgID: id, Args: args} }

// ParseText parses one field's text. A `{{` without its `}}` is an error;
// a `}}` alone is literal text.
func ParseText(s string) (Text, error) {
	var t Text
	n := 0
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				t.segs = append(t.segs, segment{lit: s})
			}
			return t, nil
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			return Text{}, parseErr(ErrUnclosed, nil)
		}
		if n++; n > MaxPlaceholders {
			return Text{}, parseErr(ErrTooMany, map[string]any{"Max": MaxPlaceholders, "Count": MaxPlaceholders})
		}
		seg, err := parsePlaceholder(s[i+2 : i+2+j])
		if err != nil {
			return Text{}, err
		}
		seg.lit = s[:i]
		t.segs = append(t.segs, seg)
		s = s[i+2+j+2:]
	}
}

// parsePlaceholder reads `name` or `name | default: "text"`.
func parsePlaceholder(in string) (segment, error) {
	name, rest, piped := strings.Cut(in, "|")
	name = strings.TrimSpace(name)
	if !validName(name) {
		return segment{}, parseErr(ErrName, map[string]any{"Name": clip(name)})
	}
	seg := segment{name: name, hasVar: true}
	if !piped {
		return seg, nil
	}
	filter, arg, hasArg := strings.Cut(rest, ":")
	filter = strings.TrimSpace(filter)
	if filter != "default" {
		return segment{}, parseErr(ErrFilter, map[string]any{"Filter": clip(filter)})
	}
	if !hasArg {
		return segment{}, parseErr(ErrSyntax, nil)
	}
	def, err := parseQuoted(strings.TrimSpace(arg))
	if err != nil {
		return segment{}, err
	}
	seg.def = def
	return seg, nil
}

// parseQuoted reads one "double" or 'single' quoted string that must be
// the whole of s; a backslash escapes the quote or itself.
func parseQuoted(s string) (string, error) {
	if len(s) < 2 || (s[0] != '"' && s[0] != '\'') {
		return "", parseErr(ErrQuote, nil)
	}
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == q || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i++
		case c == q:
			if i != len(s)-1 {
				return "", parseErr(ErrSyntax, nil) // text after the closing quote
			}
			if b.Len() > MaxDefaultLen {
				return "", parseErr(ErrTooLong, map[string]any{"Max": MaxDefaultLen})
			}
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", parseErr(ErrQuote, nil)
}

// validName: 1–64 bytes of [A-Za-z0-9_], the attribute names devices take.
func validName(name string) bool {
	if name == "" || len(name) > MaxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// clip bounds a name quoted back in an error message.
func clip(s string) string {
	if len(s) > 32 {
		return strings.ToValidUTF8(s[:32], "") + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
