package handlers

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestUnreachableProviderIsNoRefusal: a connection test against a provider
// that cannot be reached reads as such, not as "the provider refused".
func TestUnreachableProviderIsNoRefusal(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey("admin")
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	// A port that was free a moment ago: nothing answers there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"name": "Down", "kind": "getui", "base_url": %q, "credentials": {"app_id": "a", "app_key": "b", "master_secret": "c"}}`, dead)
	resp, out := app.apiDo(http.MethodPost, "/api/v1/providers", key, body, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	var id int64
	if _, err := fmt.Sscanf(out[strings.Index(out, `"id":`):], `"id":%d`, &id); err != nil {
		t.Fatalf("id of %s: %v", out, err)
	}
	_, frag := b.do(http.MethodPost, fmt.Sprintf("/providers/%d/test", id), nil, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
	got := doc(t, frag).Find(`[data-testid="test-result"]`).Text()
	en := app.srv.cat.Localizer("en")
	want := strings.SplitN(en.T("provider_error.retry"), ":", 2)[0]
	if !strings.HasPrefix(got, want) || strings.Contains(got, "refused") {
		t.Errorf("unreachable provider reads %q, want it to start %q", got, want)
	}
}

// TestUnusableAccountIsNamed: an account whose stored settings no longer
// build a client (here: credentials missing every field) is explained the
// same way wherever it shows, naming the fields, on the connection test
// and on the audience count; the API's test names them too.
func TestUnusableAccountIsNamed(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey("admin")
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	id := app.account("getui", "", `{}`)
	en := app.srv.cat.Localizer("en")
	want := strings.SplitN(en.T("provider_error.config"), ":", 2)[0]
	_, frag := b.do(http.MethodPost, fmt.Sprintf("/providers/%d/test", id), nil, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
	if got := doc(t, frag).Find(`[data-testid="test-result"]`).Text(); !strings.HasPrefix(got, want) || !strings.Contains(got, "credentials.app_id") {
		t.Errorf("connection test reads %q, want %q… naming credentials.app_id", got, want)
	}
	_, frag = b.do(http.MethodPost, "/audience/preview", url.Values{"provider_id": {fmt.Sprint(id)}, "audience_kind": {"all"}},
		map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
	if got := doc(t, frag).Find(`[data-testid="audience-count-error"]`).Text(); !strings.Contains(got, want) || !strings.Contains(got, "credentials.app_id") {
		t.Errorf("audience count reads %q, want %q… naming credentials.app_id", got, want)
	}
	resp, out := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/providers/%d/test", id), key, "", nil)
	if e := decodeErr(t, out); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e.Error.Message, "credentials.app_id") {
		t.Errorf("API test: %d %s, want 422 naming credentials.app_id", resp.StatusCode, out)
	}
}
