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

// TestAppendJSONString: every string comes out as a JSON string that
// decodes to it (invalid UTF-8 as encoding/json replaces it).
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "浙江", `q"uote`, `back\slash`, "tab\tnl\n", "del\x7f", "bad\xff", "mixed 中\"\\\x01"} {
		out := appendJSONString([]byte("x"), s)
		var got, want string
		if err := json.Unmarshal(out[1:], &got); err != nil {
			t.Errorf("%q: %s is not JSON: %v", s, out[1:], err)
			continue
		}
		q, _ := json.Marshal(s)
		_ = json.Unmarshal(q, &want)
		if got != want || string(out[:1]) != "x" {
			t.Errorf("%q: decoded %q, want %q", s, got, want)
		}
	}
}
