package jpush

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

// newClient builds a client against a fresh fake.
func newClient(t *testing.T) (*Client, *jpushfake.Server) {
	t.Helper()
	fake := jpushfake.New(t)
	return clientFor(t, fake, nil), fake
}

// clientFor builds a client for fake, with hc when given (a short timeout).
func clientFor(t *testing.T, fake *jpushfake.Server, hc *http.Client) *Client {
	t.Helper()
	p, err := New(providers.Config{BaseURL: fake.URL(), Credentials: fake.Credentials(), HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return p.(*Client)
}

// note is a displayed notification with the given texts.
func note(title, body string) providers.Message {
	return providers.Message{Type: providers.TypeNotification, Title: title, Body: body}
}

// cidTarget is a registration id list of n ids rid-000000….
func cidTarget(n int) providers.Target {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("rid-%06d", i)
	}
	return providers.Target{Kind: providers.AudienceCID, Values: vals}
}

// wantError asserts err is a *providers.Error of class and code.
func wantError(t *testing.T, err error, class providers.Class, code string) *providers.Error {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *providers.Error", err)
	}
	if pe.Class != class || pe.Code != code {
		t.Fatalf("error %s/%s (%s), want %s/%s", pe.Class, pe.Code, pe.Msg, class, code)
	}
	return pe
}

// lastPush decodes the body of the fake's last push request.
func lastPush(t *testing.T, fake *jpushfake.Server) map[string]any {
	t.Helper()
	rs := fake.RequestsTo(jpushfake.PathPush)
	if len(rs) == 0 {
		t.Fatal("no push request")
	}
	var m map[string]any
	if err := json.Unmarshal(rs[len(rs)-1].Body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// shortTimeout is an HTTP client that gives up quickly (a hang fault).
func shortTimeout() *http.Client { return &http.Client{Timeout: 200 * time.Millisecond} }
