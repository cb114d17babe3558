package render

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
)

func TestParseText(t *testing.T) {
	vars := Vars{CID: "c1", Region: "north", Attrs: map[string]string{"name": "Ann", "q": `say "hi"`}}
	for _, tc := range []struct {
		name, in, want, err string
	}{
		{name: "plain", in: "Hello", want: "Hello"},
		{name: "attribute", in: "Hi {{ name }}!", want: "Hi Ann!"},
		{name: "no spaces", in: "Hi {{name}}", want: "Hi Ann"},
		{name: "fixed fields", in: "{{cid}}/{{ region }}", want: "c1/north"},
		{name: "fallback unused", in: `{{ name | default: "there" }}`, want: "Ann"},
		{name: "fallback used", in: `Hi {{ nick | default: "there" }}`, want: "Hi there"},
		{name: "single quotes", in: `{{ nick | default: 'you' }}`, want: "you"},
		{name: "escaped quote", in: `{{ nick | default: "a \"b\"" }}`, want: `a "b"`},
		{name: "missing is empty", in: "[{{ nick }}]", want: "[]"},
		{name: "lone closer is text", in: "a }} b", want: "a }} b"},
		{name: "value is not parsed again", in: "{{ q }}", want: `say "hi"`},
		{name: "unclosed", in: "Hi {{ name", err: ErrUnclosed},
		{name: "unknown filter", in: "{{ name | upper }}", err: ErrFilter},
		{name: "bad quote", in: `{{ name | default: "x }}`, err: ErrQuote},
		{name: "unquoted default", in: `{{ name | default: x }}`, err: ErrQuote},
		{name: "text after quote", in: `{{ name | default: "x" y }}`, err: ErrSyntax},
		{name: "default without value", in: `{{ name | default }}`, err: ErrSyntax},
		{name: "empty name", in: "{{ }}", err: ErrName},
		{name: "bad name", in: "{{ a.b }}", err: ErrName},
		{name: "too many", in: strings.Repeat("{{a}}", MaxPlaceholders+1), err: ErrTooMany},
	} {
		t.Run(tc.name, func(t *testing.T) {
			txt, err := ParseText(tc.in)
			if tc.err != "" {
				pe, ok := err.(*ParseError)
				if !ok || pe.MsgID != tc.err {
					t.Fatalf("ParseText(%q) error = %v, want %s", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseText(%q): %v", tc.in, err)
			}
			got, err := txt.Render(vars, false)
			if err != nil || got != tc.want {
				t.Fatalf("Render(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestRenderCapsOutput(t *testing.T) {
	txt, err := ParseText(strings.Repeat("{{ v }}", MaxPlaceholders))
	if err != nil {
		t.Fatal(err)
	}
	_, err = txt.Render(Vars{Attrs: map[string]string{"v": strings.Repeat("x", 1024)}}, false)
	if pe, ok := err.(*ParseError); !ok || pe.MsgID != ErrTooLong {
		t.Fatalf("error = %v, want %s", err, ErrTooLong)
	}
}

func TestTemplate(t *testing.T) {
	m := providers.Message{Type: providers.TypeNotification, Title: "Hi {{ name | default: \"there\" }}", Body: "Sale",
		Click: providers.Click{Action: providers.ClickURL, URL: "https://x.test/?u={{ user_id }}"},
		Ext:   json.RawMessage(`{"greet":"{{ name }} \"q\"","n":1,"list":["{{cid}}"]}`)}
	tpl, probs := Parse(m)
	if len(probs) > 0 || !tpl.Personal() {
		t.Fatalf("Parse: %v personal=%v", probs, tpl.Personal())
	}
	if got := strings.Join(tpl.Names(), ","); got != "name,user_id,cid" {
		t.Fatalf("Names = %q", got)
	}
	a, ka, p := tpl.Render(Vars{CID: "c1", UserID: "u1", Attrs: map[string]string{"name": `A"n`}})
	if p != nil {
		t.Fatal(p)
	}
	if a.Title != `Hi A"n` || a.Body != "Sale" || a.Click.URL != "https://x.test/?u=u1" {
		t.Fatalf("rendered %+v", a)
	}
	var ext map[string]any
	if err := json.Unmarshal(a.Ext, &ext); err != nil || ext["greet"] != `A"n "q"` || ext["list"].([]any)[0] != "c1" {
		t.Fatalf("ext %s: %v", a.Ext, err)
	}
	_, kb, _ := tpl.Render(Vars{CID: "c1", UserID: "u1", Attrs: map[string]string{"name": `A"n`}})
	_, kc, _ := tpl.Render(Vars{CID: "c2", UserID: "u1", Attrs: map[string]string{"name": `A"n`}})
	if ka != kb || ka == kc {
		t.Fatalf("keys: equal messages must share a key, different ones must not")
	}
	fb, p := tpl.Fallback()
	if p != nil || fb.Title != "Hi there" || fb.Click.URL != "https://x.test/?u=" {
		t.Fatalf("fallback %+v %v", fb, p)
	}
	if !tpl.FallsBack(Vars{CID: "c"}) || tpl.FallsBack(Vars{CID: "c", UserID: "u", Attrs: map[string]string{"name": "n"}}) {
		t.Fatal("FallsBack")
	}
}

func TestParseNamesField(t *testing.T) {
	_, probs := Parse(providers.Message{Title: "ok {{ a }}", Body: "bad {{ a | shout }}", Ext: json.RawMessage(`{"k":"{{ x"}`)})
	got := map[string]string{}
	for _, p := range probs {
		got[p.Field] = p.MsgID
	}
	if got["message.body"] != ErrFilter || got["message.ext"] != ErrUnclosed || len(got) != 2 {
		t.Fatalf("problems %v", got)
	}
	tpl, probs := Parse(providers.Message{Title: "no placeholders }}"})
	if len(probs) > 0 || tpl.Personal() {
		t.Fatal("a message without placeholders is not personal")
	}
}

// FuzzParseText: any input parses or fails with a ParseError, never
// panics, and renders within MaxRendered.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"Hi {{ name }}", `{{ a | default: "x\"y" }}`, "{{", "}}{{}}", `{{a|default:'b'}}`, "{{ a | b: c }}"} {
		f.Add(s)
	}
	vars := Vars{CID: "c", Attrs: map[string]string{"a": strings.Repeat("v", 256), "name": "n"}}
	f.Fuzz(func(t *testing.T, s string) {
		txt, err := ParseText(s)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %T is not a ParseError", err)
			}
			return
		}
		out, err := txt.Render(vars, false)
		if err == nil && len(out) > MaxRendered {
			t.Fatalf("rendered %d bytes", len(out))
		}
		if !strings.Contains(s, "{{") && err == nil && out != s {
			t.Fatalf("text without placeholders changed: %q → %q", s, out)
		}
	})
}
