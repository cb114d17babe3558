package getui

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// TestNoAnswerCodes: a call that gets no answer is always worth a retry,
// and its code says why: the caller gave up (canceled), time ran out
// (timeout), or GeTui could not be reached (transport).
func TestNoAnswerCodes(t *testing.T) {
	req := providers.SendRequest{RequestID: "no-answer-request-1", Message: notify(), Target: providers.Target{Kind: providers.AudienceAll}}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		client func(t *testing.T) *Client
		code   string
	}{
		{"canceled", canceled, func(t *testing.T) *Client { return newTestClient(t, getuifake.New(t)) }, "canceled"},
		{"timeout", expired, func(t *testing.T) *Client { return newTestClient(t, getuifake.New(t)) }, "timeout"},
		{"unreachable", context.Background(), closedClient, "transport"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.client(t).Send(tc.ctx, req)
			wantError(t, err, providers.Retry, tc.code)
		})
	}
}

// closedClient is a client whose base URL nothing listens on.
func closedClient(t *testing.T) *Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	srv := getuifake.New(t)
	p, err := New(providers.Config{BaseURL: "http://" + addr, Credentials: srv.Credentials(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p.(*Client)
}
