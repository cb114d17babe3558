package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pushdeck/pushdeck/models"
)

// nextSeeds are redirect targets browsers have been seen to read as
// another host, and ordinary ones.
var nextSeeds = []string{
	"", "/", "/campaigns", "/campaigns/7?tab=stats#top", "/audience?q=a%20b",
	"//evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example",
	"/\r/evil.example", "/ /evil.example", "/\x00/evil.example", "/\x7f/evil.example",
	"https://evil.example", "javascript:alert(1)", "evil.example", "/%2F%2Fevil.example",
	"/\u00a0/evil.example", "/\u2028/evil.example", "/\ufeff/evil.example", "/\xff/evil.example",
	"/@evil.example", "/.evil.example", "/\\/evil.example", " /campaigns",
}

func TestSafeNextRefusesOtherHosts(t *testing.T) {
	for _, n := range nextSeeds {
		t.Run(url.PathEscape(n), func(t *testing.T) { checkNext(t, n) })
	}
	keep := []string{"/campaigns", "/campaigns/7?tab=stats#top", "/audience?q=a%20b"}
	for _, n := range keep {
		if got := safeNext(n); got != n {
			t.Errorf("safeNext(%q) = %q, want it kept", n, got)
		}
	}
}

// checkNext holds safeNext's contract for one input: the result is "/" or
// the input, and a browser (which drops tabs and newlines, reads "\" as
// "/" and trims spaces and controls) resolves it to this host.
func checkNext(t *testing.T, n string) {
	t.Helper()
	got := safeNext(n)
	if got != "/" && got != n {
		t.Fatalf("safeNext(%q) = %q: neither the input nor /", n, got)
	}
	browser := strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return -1
		case r == '\\':
			return '/'
		}
		return r
	}, strings.TrimFunc(got, func(r rune) bool { return r <= ' ' }))
	base, err := url.Parse("https://console.example/login")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := url.Parse(browser)
	if err != nil {
		t.Fatalf("safeNext(%q) = %q, which does not parse: %v", n, got, err)
	}
	if to := base.ResolveReference(ref); to.Host != "console.example" || to.Scheme != "https" {
		t.Fatalf("safeNext(%q) = %q leads a browser to %s", n, got, to)
	}
	if !utf8.ValidString(got) || strings.ContainsAny(got, "\\\t\n\r ") {
		t.Fatalf("safeNext(%q) = %q keeps a character browsers rewrite", n, got)
	}
}

// FuzzSafeNext holds checkNext for any input; `go test` runs the seeds.
//
//	go test ./handlers -run '^$' -fuzz FuzzSafeNext -fuzztime 1m
func FuzzSafeNext(f *testing.F) {
	for _, n := range nextSeeds {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n string) { checkNext(t, n) })
}

// FuzzLoginAddress holds loginAddress's contract: a valid address is at
// most 254 bytes, lower case and trimmed; anything else is the one shared
// invalidAddress, so nothing typed reaches the throttle table.
func FuzzLoginAddress(f *testing.F) {
	for _, s := range []string{"a@example.com", " A@Example.COM ", "", "x", strings.Repeat("a", 300) + "@example.com",
		"Ann <a@example.com>", "a@example.com\x00", "\"a b\"@example.com", "<invalid>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		got, ok := loginAddress(typed)
		if !ok {
			if got != invalidAddress {
				t.Fatalf("loginAddress(%q) = %q, not ok, want the shared invalid key", typed, got)
			}
			return
		}
		if len(got) > 254 || got != strings.ToLower(strings.TrimSpace(got)) || got == invalidAddress {
			t.Fatalf("loginAddress(%q) = %q", typed, got)
		}
	})
}

func TestLoginRedirectStaysOnSite(t *testing.T) {
	app := newTestApp(t)
	app.createUser("op@example.com", models.RoleOperator)
	tests := []struct{ next, want string }{
		{"/\t/evil.example", "/"},
		{"/campaigns?status=draft", "/campaigns?status=draft"},
	}
	for _, tc := range tests {
		t.Run(url.PathEscape(tc.next), func(t *testing.T) {
			b := app.browser()
			resp, _ := b.do(http.MethodPost, "/login", url.Values{"email": {"op@example.com"}, "password": {"password123"}, "next": {tc.next}}, nil)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
				t.Errorf("login with next %q: %d to %q, want %q", tc.next, resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
		})
	}
}
