package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/models"
)

func TestSecurityHeaders(t *testing.T) {
	app := newTestApp(t)
	app.createUser("op@example.com", models.RoleOperator)
	b := app.browser()
	b.login("op@example.com", "password123")
	key := app.apiKey(models.RoleViewer)
	apiResp, _ := app.apiDo(http.MethodGet, "/api/v1/campaigns", key, "", nil)
	loginResp, _ := app.browser().get("/login")
	pageResp, _ := b.get("/campaigns")
	staticResp, _ := b.get("/static/app.js")
	for name, resp := range map[string]*http.Response{"login": loginResp, "page": pageResp, "api": apiResp, "static": staticResp} {
		t.Run(name, func(t *testing.T) {
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows inline code: %q", csp)
			}
			if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Errorf("headers: %v", h)
			}
			if name != "static" && h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", h.Get("Cache-Control"))
			}
		})
	}
}

// TestPagesHaveNoInlineCode: with script-src and style-src 'self', inline
// handlers, script bodies and style attributes would not run; the pages
// must not depend on any (JSON data blocks are not code).
func TestPagesHaveNoInlineCode(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	for _, path := range []string{"/", "/campaigns", "/campaigns/new", "/audience", "/audience/segments", "/providers", "/providers/1/edit",
		"/settings", "/settings/operators", "/settings/apikeys", "/settings/audit"} {
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
			continue
		}
		d := doc(t, body)
		for _, n := range d.Find("*").Nodes {
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "style" {
					t.Errorf("%s: <%s %s=%q> is inline code the CSP blocks", path, n.Data, a.Key, a.Val)
				}
				if strings.HasPrefix(strings.ToLower(a.Val), "javascript:") || strings.HasPrefix(a.Val, "js:") {
					t.Errorf("%s: <%s %s=%q> needs eval", path, n.Data, a.Key, a.Val)
				}
			}
			if n.Data == "style" {
				t.Errorf("%s: an inline <style> element", path)
			}
		}
		d.Find("script").Each(func(_ int, s *goquery.Selection) {
			typ := s.AttrOr("type", "")
			if s.AttrOr("src", "") == "" && typ != "application/json" {
				t.Errorf("%s: an inline script (type %q)", path, typ)
			}
		})
	}
}
