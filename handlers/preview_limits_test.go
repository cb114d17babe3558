package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestPreviewDeadline: an audience count that runs past the preview
// deadline is stopped: a 503 naming the problem on the API, a message in
// the console's count.
func TestPreviewDeadline(t *testing.T) {
	app := newTestAppWith(t, func(c *Config) { c.Limits.PreviewTimeout = time.Nanosecond })
	key := app.apiKey("viewer")
	resp, body := app.apiDo(http.MethodPost, "/api/v1/audience/preview", key, `{"provider_id":1,"audience":{"kind":"all"}}`, nil)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"timeout"`) {
		t.Fatalf("API: status %d: %s", resp.StatusCode, body)
	}
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	resp, body = b.post("/audience/preview", url.Values{"provider_id": {"1"}, "audience_kind": {"all"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "took too long") {
		t.Fatalf("page: status %d: %s", resp.StatusCode, body)
	}
}

// TestPreviewGate: no more than its size run at once; a caller that finds
// every slot taken for the whole wait is refused, and a freed slot is
// taken again.
func TestPreviewGate(t *testing.T) {
	g := newPreviewGate(2)
	r1, err := g.acquire(t.Context(), time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := g.acquire(t.Context(), time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.acquire(t.Context(), 10*time.Millisecond); !errors.Is(err, errPreviewBusy) {
		t.Fatalf("third acquire: %v, want errPreviewBusy", err)
	}
	r1()
	r3, err := g.acquire(t.Context(), time.Millisecond)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	r2()
	r3()
}
