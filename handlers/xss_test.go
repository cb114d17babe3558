package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`javascript:alert(1)`,
}

// assertInert fails when a page would run something a user typed.
func assertInert(t *testing.T, page, body, payload string) {
	t.Helper()
	for _, p := range inertProblems(t, body) {
		t.Errorf("%s (payload %q): %s", page, payload, p)
	}
}

// inertProblems lists what would run: the payload's markup verbatim in the
// HTML, a script carrying it, any inline event handler (the pages have
// none: the Content-Security-Policy would block them, and behaviour comes
// from data attributes read by app.js), or a javascript: URL.
func inertProblems(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for _, raw := range []string{`<script>alert(1)</script>`, `<img src=x onerror=alert(1)>`} {
		if strings.Contains(body, raw) {
			out = append(out, fmt.Sprintf("unescaped %q in the HTML", raw))
		}
	}
	d := doc(t, body)
	d.Find("script").Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "alert(1)") {
			out = append(out, "a script element runs the payload")
		}
	})
	d.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			name, val := strings.ToLower(a.Key), strings.TrimSpace(strings.ToLower(a.Val))
			if strings.HasPrefix(name, "on") {
				out = append(out, fmt.Sprintf("<%s %s=%q> is an injected handler", s.Nodes[0].Data, a.Key, a.Val))
			}
			if (name == "href" || name == "src" || name == "action" || name == "formaction" || strings.HasPrefix(name, "hx-")) &&
				strings.HasPrefix(val, "javascript:") {
				out = append(out, fmt.Sprintf("<%s %s=%q> is a javascript: URL", s.Nodes[0].Data, a.Key, a.Val))
			}
		}
	})
	return out
}

// TestInertProblemsCatchesInjection proves the checker fails on the
// mistakes it exists for, so a green XSS test means something.
func TestInertProblemsCatchesInjection(t *testing.T) {
	tests := []struct {
		name, html string
		bad        bool
	}{
		{"escaped text", `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`, false},
		{"escaped attribute", `<input value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;">`, false},
		{"confirm text", `<button data-confirm="Revoke &lt;script&gt;alert(1)&lt;/script&gt;">x</button>`, false},
		{"any inline handler", `<button onclick="pushdeckConfirm('x')">x</button>`, true},
		{"raw script", `<p><script>alert(1)</script></p>`, true},
		{"attribute breakout", `<input value=""><img src=x onerror=alert(1)>">`, true},
		{"javascript link", `<a href="javascript:alert(1)">x</a>`, true},
		{"handler with payload", `<button onclick="go('x');alert(1)">x</button>`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := inertProblems(t, "<html><body>"+tc.html+"</body></html>")
			if (len(got) > 0) != tc.bad {
				t.Errorf("problems %v, want bad=%v", got, tc.bad)
			}
		})
	}
}

// assertShown checks the payload came back (escaped) inside sel, as text
// or as a form value: a page that dropped it would pass assertInert
// without proving anything.
func assertShown(t *testing.T, page, body, sel, payload string) {
	t.Helper()
	found := false
	doc(t, body).Find(sel).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), payload) || s.AttrOr("value", "") == payload {
			found = true
		}
		s.Find("input, textarea").Each(func(_ int, in *goquery.Selection) {
			if in.AttrOr("value", "") == payload || strings.Contains(in.Text(), payload) {
				found = true
			}
		})
	})
	if !found {
		t.Errorf("%s: payload %q not shown in %s", page, payload, sel)
	}
}

// TestXSSPayloadsAreEscaped types each payload into every text field of
// the setup, login, operator, API key and campaign forms, then reads every
// page that shows those values back.
func TestXSSPayloadsAreEscaped(t *testing.T) {
	for i, p := range xssPayloads {
		t.Run(fmt.Sprintf("payload %d", i), func(t *testing.T) {
			app := newTestApp(t)
			b := app.browser()

			// Setup: refused with the payload as e-mail, then done with it as name.
			resp, body := b.do(http.MethodPost, "/setup", url.Values{"setup_token": {app.srv.SetupToken()}, "email": {p}, "name": {p}, "password": {"password123"}, "password_confirm": {"password123"}}, nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("setup with a payload e-mail: %d", resp.StatusCode)
			}
			assertInert(t, "setup form", body, p)
			assertShown(t, "setup form", body, `[data-testid="setup-form"]`, p)
			resp, _ = b.do(http.MethodPost, "/setup", url.Values{"setup_token": {app.srv.SetupToken()}, "email": {"admin@example.com"}, "name": {p}, "password": {"password123"}, "password_confirm": {"password123"}}, nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("setup: %d", resp.StatusCode)
			}
			b.get("/")

			// Login: a payload as e-mail is re-rendered and lands in the audit log.
			_, body = app.browser().do(http.MethodPost, "/login", url.Values{"email": {p}, "password": {"x"}}, nil)
			assertInert(t, "login form", body, p)
			_, body = app.browser().get("/login?next=" + url.QueryEscape(p))
			assertInert(t, "login next", body, p)

			// Operators: refused with the payload as e-mail, created with it as name.
			_, body = b.post("/settings/operators", url.Values{"email": {p}, "name": {p}, "role": {"viewer"}, "password": {"password123"}})
			assertInert(t, "operator form", body, p)
			assertShown(t, "operator form", body, `[data-testid="operator-form"]`, p)
			b.post("/settings/operators", url.Values{"email": {"op@example.com"}, "name": {p}, "role": {"operator"}, "password": {"password123"}})

			// API keys: the name.
			_, body = b.post("/settings/apikeys", url.Values{"name": {p}, "role": {"viewer"}})
			assertInert(t, "api key created", body, p)

			// Composer: every field at once is refused and comes back filled.
			all := url.Values{"name": {p}, "provider_id": {"1"}, "group": {p}, "audience_kind": {"cid"}, "audience_values": {p},
				"type": {"notification"}, "title": {p}, "body": {p}, "click_action": {"url"}, "click_value": {p}, "ext": {p},
				"speed": {p}, "ttl_seconds": {p}, "schedule_at": {p}}
			resp, body = b.post("/campaigns", all)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("composer with payloads: %d", resp.StatusCode)
			}
			assertInert(t, "composer", body, p)
			for _, f := range []string{"name", "group", "audience_values", "title", "body", "click_value", "ext", "schedule_at"} {
				assertShown(t, "composer "+f, body, `[data-testid="field-`+f+`"]`, p)
			}

			// A valid campaign carrying the payload wherever it may.
			resp, _ = b.post("/campaigns", url.Values{"name": {p}, "provider_id": {"1"}, "audience_kind": {"cid"}, "audience_values": {"cid-1\n" + p},
				"type": {"notification"}, "title": {p}, "body": {p}, "click_action": {"payload"}, "click_value": {p},
				"ext": {fmt.Sprintf(`{"k": %q}`, p)}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("valid campaign with payloads: %d", resp.StatusCode)
			}
			loc := resp.Header.Get("Location")
			_, body = b.post(loc+"/test", url.Values{"cids": {p}})
			assertInert(t, "test send", body, p)

			// Audience values split on blanks, so the page shows the first piece.
			firstValue := strings.Fields(p)[0]
			pages := []struct {
				path, sel, want string
			}{
				{"/campaigns", `[data-testid="campaign-table"]`, p},
				{loc, `[data-testid="message-preview"]`, p},
				{loc, `[data-testid="audience"]`, firstValue},
				{"/", `[data-testid="recent-campaigns"]`, p},
				{"/settings", `[data-testid="account"]`, p},
				{"/settings/operators", `[data-testid="operator-table"]`, p},
				{"/settings/apikeys", `[data-testid="apikey-table"]`, p},
				{"/settings/audit", `[data-testid="audit-table"]`, p},
				{"/settings/audit?actor=" + url.QueryEscape(p), `[data-testid="audit-filter"]`, p},
			}
			for _, pg := range pages {
				resp, body := b.get(pg.path)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s: %d", pg.path, resp.StatusCode)
					continue
				}
				assertInert(t, pg.path, body, p)
				assertShown(t, pg.path, body, pg.sel, pg.want)
			}
		})
	}
}
