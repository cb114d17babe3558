package fcm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
)

// newClient builds a client of the fake's project that trusts its
// certificate, logging into buf when given.
func newClient(t *testing.T, f *fcmfake.Server, buf *bytes.Buffer) *Client {
	t.Helper()
	cfg := providers.Config{BaseURL: f.URL, Credentials: f.Credentials(), HTTPClient: f.Client()}
	if buf != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c := p.(*Client)
	c.pause = 5 * time.Millisecond
	return c
}

func deviceTokens(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tok-%06d", i)
	}
	return out
}

func notificationReq(id string, toks []string) providers.SendRequest {
	return providers.SendRequest{
		RequestID: id,
		Message:   providers.Message{Type: providers.TypeNotification, Title: "Hi", Body: "Sale starts now"},
		Target:    providers.Target{Kind: providers.AudienceCID, Values: toks},
	}
}

// providerError returns the *providers.Error in err, failing the test when
// there is none.
func providerError(t *testing.T, err error) *providers.Error {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *providers.Error", err)
	}
	return pe
}

// onceEach checks that every token got exactly one message, with the
// request id as its collapse key, tag and apns-collapse-id.
func onceEach(t *testing.T, f *fcmfake.Server, toks []string, requestID string) {
	t.Helper()
	for _, tok := range toks {
		ds := f.Deliveries(tok)
		if len(ds) != 1 {
			t.Fatalf("%s received %d messages, want 1", tok, len(ds))
		}
		d := ds[0]
		if d.CollapseKey != requestID || d.APNSCollapseID != requestID {
			t.Fatalf("%s: collapse key %q, apns-collapse-id %q; want %q", tok, d.CollapseKey, d.APNSCollapseID, requestID)
		}
	}
}

func send(t *testing.T, c *Client, req providers.SendRequest) (providers.Result, error) {
	t.Helper()
	return c.Send(context.Background(), req)
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitFor sleeps ms milliseconds (token ageing needs the wall clock: the
// oauth2 library reads time.Now).
func waitFor(t *testing.T, ms int) {
	t.Helper()
	time.Sleep(time.Duration(ms) * time.Millisecond)
}

func providersConfig(f *fcmfake.Server) providers.Config {
	return providers.Config{BaseURL: f.URL, Credentials: f.Credentials(), HTTPClient: f.Client()}
}
