package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// concrete fills route parameters so every route can be requested.
func concrete(path string) string {
	return strings.NewReplacer(":id", "1", ":name", "g1").Replace(path)
}

// TestEveryRouteNeedsAuth walks the whole route table: nothing but the
// public routes answers without a session (pages) or a key (API).
func TestEveryRouteNeedsAuth(t *testing.T) {
	app := newTestApp(t)
	app.createUser("admin@example.com", models.RoleAdmin)
	anon := app.browser()
	for _, r := range app.srv.Routes() {
		if r.Role == "" {
			continue
		}
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			resp, _ := anon.do(r.Method, concrete(r.Path), url.Values{}, nil)
			if r.API {
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("status %d, want 401", resp.StatusCode)
				}
				return
			}
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("status %d location %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

// TestViewerCannotChangeAnything proves every state-changing route refuses
// a viewer, pages and API alike, table-driven over the route list.
func TestViewerCannotChangeAnything(t *testing.T) {
	app := newTestApp(t)
	app.createUser("admin@example.com", models.RoleAdmin)
	app.createUser("viewer@example.com", models.RoleViewer)
	key := app.apiKey(models.RoleViewer)
	b := app.browser()
	b.login("viewer@example.com", "password123")
	for _, r := range app.srv.Routes() {
		if r.Role == "" || r.Role == models.RoleViewer {
			continue
		}
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			var status int
			if r.API {
				resp, body := app.apiDo(r.Method, concrete(r.Path), key, "{}", nil)
				status = resp.StatusCode
				if !strings.Contains(body, `"forbidden"`) {
					t.Errorf("body %s, want a forbidden error", body)
				}
			} else if r.Method == http.MethodGet {
				resp, _ := b.get(concrete(r.Path))
				status = resp.StatusCode
			} else {
				resp, _ := b.post(concrete(r.Path), url.Values{})
				status = resp.StatusCode
			}
			if status != http.StatusForbidden {
				t.Errorf("status %d, want 403", status)
			}
		})
	}
}

func TestFirstRunSetup(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	resp, _ := b.get("/campaigns")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/setup" {
		t.Fatalf("fresh install: %d %q, want redirect to /setup", resp.StatusCode, loc)
	}
	resp, body := b.do(http.MethodPost, "/setup", url.Values{"setup_token": {app.srv.SetupToken()}, "email": {"not-an-email"}, "name": {"Ann"}, "password": {"short"}, "password_confirm": {"short"}}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad setup: status %d", resp.StatusCode)
	}
	d := doc(t, body)
	if d.Find(`[data-testid="error-email"]`).Length() != 1 || d.Find(`[data-testid="error-password"]`).Length() != 1 {
		t.Errorf("setup errors not beside the fields: %s", body)
	}
	if v, _ := d.Find(`input[name="email"]`).Attr("value"); v != "not-an-email" {
		t.Errorf("typed e-mail lost: %q", v)
	}
	if v, _ := d.Find(`input[name="name"]`).Attr("value"); v != "Ann" {
		t.Errorf("typed name lost: %q", v)
	}
	b.setupAdmin("admin@example.com", "password123")
	resp, body = b.get("/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "admin@example.com") {
		t.Fatalf("after setup: %d", resp.StatusCode)
	}
	// Setup is gone once an operator exists.
	other := app.browser()
	resp, _ = other.get("/setup")
	if resp.Header.Get("Location") != "/login" {
		t.Errorf("setup after first admin: location %q", resp.Header.Get("Location"))
	}
	resp, _ = other.do(http.MethodPost, "/setup", url.Values{"email": {"evil@example.com"}, "password": {"password123"}, "password_confirm": {"password123"}}, nil)
	if resp.Header.Get("Location") != "/login" {
		t.Errorf("second setup accepted: %d", resp.StatusCode)
	}
	if _, err := app.store.UserByEmail(t.Context(), "evil@example.com"); err == nil {
		t.Error("a second admin was created through setup")
	}
}

func TestLoginLogoutAndThrottle(t *testing.T) {
	app := newTestApp(t)
	app.createUser("op@example.com", models.RoleOperator)
	b := app.browser()
	tests := []struct {
		name, email, password string
		want                  int
	}{
		{"wrong password", "op@example.com", "nope-nope", http.StatusUnauthorized},
		{"unknown user", "who@example.com", "password123", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.do(http.MethodPost, "/login", url.Values{"email": {tc.email}, "password": {tc.password}}, nil)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if doc(t, body).Find(`[data-testid="login-error"]`).Length() != 1 {
				t.Error("no error shown")
			}
		})
	}
	resp := b.login("op@example.com", "password123")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.MaxAge <= 0 {
		t.Fatalf("session cookie flags: %+v", cookie)
	}
	if r, _ := b.get("/campaigns"); r.StatusCode != http.StatusOK {
		t.Fatalf("signed in: %d", r.StatusCode)
	}
	b.post("/logout", nil)
	if r, _ := b.get("/campaigns"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout: %d", r.StatusCode)
	}

	t.Run("throttled after repeated failures", func(t *testing.T) {
		c := app.browser()
		for range 3 {
			c.do(http.MethodPost, "/login", url.Values{"email": {"op@example.com"}, "password": {"wrong-wrong"}}, nil)
		}
		resp, _ := c.do(http.MethodPost, "/login", url.Values{"email": {"op@example.com"}, "password": {"password123"}}, nil)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("right password while locked: %d, want 429", resp.StatusCode)
		}
	})
}

func TestCSRF(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	form := url.Values{"name": {"x"}, "provider_id": {"1"}, "audience_kind": {"all"}, "title": {"t"}, "body": {"b"}}
	tests := []struct {
		name  string
		token string
		hdr   map[string]string
		want  int
	}{
		{"no token", "", nil, http.StatusForbidden},
		{"wrong token", "forged", nil, http.StatusForbidden},
		{"cross-site browser request", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign origin", "", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if tc.token != "" {
				f.Set("csrf_token", tc.token)
			}
			if tc.hdr != nil {
				f.Set("csrf_token", b.csrf) // a valid token does not help a cross-site request
			}
			resp, _ := b.do(http.MethodPost, "/campaigns", f, tc.hdr)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	cs, _, err := app.store.ListCampaigns(t.Context(), models.CampaignFilter{})
	if err != nil || len(cs) != 0 {
		t.Fatalf("a refused request wrote something: %d campaigns, %v", len(cs), err)
	}
	t.Run("header token (htmx) accepted", func(t *testing.T) {
		resp, _ := b.do(http.MethodPost, "/campaigns", form, map[string]string{"X-CSRF-Token": b.csrf})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("status %d, want 303", resp.StatusCode)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	tests := []struct {
		name string
		key  string
		want int
	}{
		{"no key", "", http.StatusUnauthorized},
		{"bad key", "pdk_nope", http.StatusUnauthorized},
		{"good key", key, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := app.apiDo(http.MethodGet, "/api/v1/providers", tc.key, "", nil)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusOK && (!strings.Contains(body, `"kind":"sandbox"`) || strings.Contains(body, "credentials")) {
				t.Errorf("providers body: %s", body)
			}
			if tc.want != http.StatusOK && !strings.Contains(body, `"error":{`) {
				t.Errorf("error shape: %s", body)
			}
		})
	}
	t.Run("revoked key", func(t *testing.T) {
		k, plain, err := app.store.CreateAPIKey(t.Context(), "temp", models.RoleViewer, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.store.RevokeAPIKey(t.Context(), k.ID); err != nil {
			t.Fatal(err)
		}
		if resp, _ := app.apiDo(http.MethodGet, "/api/v1/providers", plain, "", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("revoked key: %d", resp.StatusCode)
		}
	})
}
