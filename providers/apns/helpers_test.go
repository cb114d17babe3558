package apns

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
)

// fakeClock is a clock both the client and the fake read, moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestClient builds a client for the fake that waits no time between
// in-call attempts.
func newTestClient(t *testing.T, f *apnsfake.Server) *Client {
	t.Helper()
	p, err := New(providersConfig(f))
	if err != nil {
		t.Fatal(err)
	}
	c := p.(*Client)
	c.sleep = func(ctx context.Context, _ time.Duration) bool { return ctx.Err() == nil }
	return c
}

// deviceTokens returns n distinct well-formed device tokens.
func deviceTokens(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%064x", i+1)
	}
	return out
}

// alertRequest is a notification to the tokens.
func alertRequest(tokens ...string) providers.SendRequest {
	return providers.SendRequest{RequestID: "req-0123456789",
		Message: providers.Message{Type: providers.TypeNotification, Title: "Hello", Body: "World"},
		Target:  providers.Target{Kind: providers.AudienceCID, Values: tokens}}
}

// providersConfig is an account's configuration for the fake.
func providersConfig(f *apnsfake.Server) providers.Config {
	return providers.Config{BaseURL: f.URL(), Credentials: f.Credentials(), HTTPClient: f.Client()}
}
