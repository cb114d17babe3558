package handlers

import (
	"net/http"
	"net/url"
	"testing"
)

// TestSetupNeedsTheToken: whoever reaches a fresh install first cannot
// create the administrator without the token printed at start.
func TestSetupNeedsTheToken(t *testing.T) {
	app := newTestApp(t)
	form := func(token string) url.Values {
		v := url.Values{"email": {"evil@example.com"}, "password": {"password123"}, "password_confirm": {"password123"}}
		if token != "" {
			v.Set("setup_token", token)
		}
		return v
	}
	for name, token := range map[string]string{"no token": "", "wrong token": "AAAAAAAAAAAAAAAAAAAAAAAAAA", "spaces": "   "} {
		t.Run(name, func(t *testing.T) {
			resp, body := app.browser().do(http.MethodPost, "/setup", form(token), nil)
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", resp.StatusCode)
			}
			if doc(t, body).Find(`[data-testid="error-setup_token"]`).Length() != 1 {
				t.Error("no error beside the token field")
			}
			if n, err := app.store.CountUsers(t.Context()); err != nil || n != 0 {
				t.Fatalf("operators after a refused setup: %d %v", n, err)
			}
		})
	}
	if len(app.srv.SetupToken()) < 20 {
		t.Fatalf("setup token %q is too short to guess-proof", app.srv.SetupToken())
	}
	resp, _ := app.browser().do(http.MethodPost, "/setup", form(" "+app.srv.SetupToken()+" "), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup with the token: %d", resp.StatusCode)
	}
}
