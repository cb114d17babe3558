package models

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestDecodeStringList(t *testing.T) {
	ok := []string{
		`[]`, ` [ ] `, `["a"]`, `["a","b","c"]`, `[ "a" , "b" ]`, `["", "x"]`,
		`["a\"b","c"]`, `["a\\b"]`, `["\u00e9t\u00e9","中文"]`, `["a,b","c]d"]`, `["a\nb"]`, "[\"tab\\tx\"]",
	}
	for _, in := range ok {
		var want []string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("bad case %q: %v", in, err)
		}
		got, err := decodeStringList(in)
		if err != nil || !slices.Equal(got, want) || got == nil {
			t.Errorf("decodeStringList(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{``, `[`, `]`, `["a"`, `["a",]`, `["a" "b"]`, `[1]`, `["a",1]`, `{"a":1}`, `null`, `"a"`, "[\"a\x01\"]", `["a"]x`}
	for _, in := range bad {
		if got, err := decodeStringList(in); err == nil {
			t.Errorf("decodeStringList(%q) = %q, want an error", in, got)
		}
	}
}

func FuzzDecodeStringList(f *testing.F) {
	for _, s := range []string{`[]`, `["a","b"]`, `["a\"b"]`, `[1]`, `["a",]`, "[\"\xff\"]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := decodeStringList(in)
		var want []string
		werr := json.Unmarshal([]byte(in), &want)
		if werr == nil && want == nil {
			werr = errNotArray
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: fast %v, encoding/json %v", in, err, werr)
		}
		if err == nil && !slices.Equal(got, want) {
			t.Fatalf("%q: fast %q, encoding/json %q", in, got, want)
		}
	})
}

var errNotArray = &json.UnsupportedValueError{Str: "not an array"}
