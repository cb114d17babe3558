package getui

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// newTestClient builds a client against the fake with a short timeout.
func newTestClient(t *testing.T, srv *getuifake.Server) *Client {
	t.Helper()
	p, err := New(providers.Config{
		BaseURL:     srv.URL(),
		Credentials: srv.Credentials(),
		HTTPClient:  &http.Client{Timeout: 2 * time.Second},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p.(*Client)
}

// wantError checks err is a *providers.Error of class and code.
func wantError(t *testing.T, err error, class providers.Class, code string) *providers.Error {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want *providers.Error %s %s", err, class, code)
	}
	if pe.Class != class || pe.Code != code {
		t.Fatalf("error = %s/%s (%v), want %s/%s", pe.Class, pe.Code, pe, class, code)
	}
	return pe
}

// decoded returns a recorded body as generic JSON.
func decoded(t *testing.T, body []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("recorded body is not JSON: %v\n%s", err, body)
	}
	return v
}

// sameJSON compares a recorded body with the expected JSON text.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	g, w := decoded(t, got), decoded(t, []byte(want))
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.MarshalIndent(g, "", "  ")
		wb, _ := json.MarshalIndent(w, "", "  ")
		t.Fatalf("body mismatch\n got: %s\nwant: %s", gb, wb)
	}
}

// notify is a plain notification message.
func notify() providers.Message {
	return providers.Message{Type: providers.TypeNotification, Title: "标题", Body: "内容"}
}

// countRoute counts the recorded requests to a route.
func countRoute(srv *getuifake.Server, route string) int {
	return len(srv.RequestsTo(route))
}
