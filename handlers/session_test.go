package handlers

import (
	"net/http"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// sessionCookieOf is the session cookie a response set.
func sessionCookieOf(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return c
		}
	}
	t.Fatal("no session cookie set")
	return nil
}

// getWith requests path presenting only the given session cookie.
func (a *testApp) getWith(path string, cookie *http.Cookie) int {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.ts.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.AddCookie(cookie)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	_ = resp.Body.Close() // only the status matters
	return resp.StatusCode
}

func TestSignInRotatesTheSession(t *testing.T) {
	app := newTestApp(t)
	app.createUser("op@example.com", models.RoleOperator)
	b := app.browser()
	first := sessionCookieOf(t, b.login("op@example.com", "password123"))
	if app.getWith("/campaigns", first) != http.StatusOK {
		t.Fatal("first session does not work")
	}
	second := sessionCookieOf(t, b.login("op@example.com", "password123"))
	if second.Value == first.Value {
		t.Fatal("sign-in kept the session token")
	}
	if code := app.getWith("/campaigns", first); code != http.StatusSeeOther {
		t.Errorf("the session presented at sign-in still works: %d", code)
	}
	if app.getWith("/campaigns", second) != http.StatusOK {
		t.Error("the new session does not work")
	}
}

func TestSessionHasAnAbsoluteLifetime(t *testing.T) {
	app := newTestApp(t)
	app.createUser("op@example.com", models.RoleOperator)
	cookie := sessionCookieOf(t, app.browser().login("op@example.com", "password123"))
	// In constant use for a day: signed in 25 hours ago, last seen two
	// minutes ago, so the next request slides the expiry.
	now := time.Now().UTC()
	if err := app.store.DB().Exec("UPDATE sessions SET created_at = ?, last_seen_at = ?", now.Add(-25*time.Hour), now.Add(-2*time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
	app.getWith("/campaigns", cookie)
	if code := app.getWith("/campaigns", cookie); code != http.StatusSeeOther {
		t.Errorf("a session older than its maximum age still works: %d", code)
	}
	if cookie.MaxAge > int((24 * time.Hour).Seconds()) {
		t.Errorf("cookie lives %ds, longer than the session may", cookie.MaxAge)
	}
}
