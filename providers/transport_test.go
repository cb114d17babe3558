package providers_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/getui"
	"github.com/pushdeck/pushdeck/providers/mxpush"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
	"github.com/pushdeck/pushdeck/providers/sandbox"
	"github.com/pushdeck/pushdeck/providers/wecom"
)

// netTimeout is a net.Error that timed out, as a dial or read deadline.
type netTimeout struct{}

func (netTimeout) Error() string   { return "i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

var _ net.Error = netTimeout{}

// TestTransportError: the call's context decides first, then the error.
func TestTransportError(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), -1)
	defer cancel2()
	reset := errors.New("connection reset by peer")
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		code string
	}{
		{"refused", context.Background(), reset, providers.CodeTransport},
		{"deadline in the error", context.Background(), fmt.Errorf("post: %w", context.DeadlineExceeded), providers.CodeTimeout},
		{"network timeout", context.Background(), fmt.Errorf("read: %w", netTimeout{}), providers.CodeTimeout},
		{"cancel in the error", context.Background(), fmt.Errorf("post: %w", context.Canceled), providers.CodeCanceled},
		{"cancelled call, reset connection", cancelled, reset, providers.CodeCanceled},
		{"expired call, reset connection", expired, reset, providers.CodeTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pe := providers.TransportError(tc.ctx, "Zeta", tc.err)
			if pe.Class != providers.Retry || pe.Code != tc.code || !errors.Is(pe, tc.err) {
				t.Fatalf("got %+v, want Retry %s wrapping the error", pe, tc.code)
			}
		})
	}
}

// TestCancelledSendIsCanceledEverywhere: every client reports a send
// whose context was cancelled the same way.
func TestCancelledSendIsCanceledEverywhere(t *testing.T) {
	gt, mx, wc := getuifake.New(t), mxfake.New(t), wecomfake.New(t)
	specs := []struct {
		spec providers.Spec
		cfg  providers.Config
	}{
		{getui.Spec(), providers.Config{BaseURL: gt.URL(), Credentials: gt.Credentials()}},
		{mxpush.Spec(), providers.Config{BaseURL: mx.URL(), Credentials: mx.Credentials()}},
		{wecom.Spec(), providers.Config{BaseURL: wc.URL, Credentials: wc.Credentials()}},
		{sandbox.Spec(), providers.Config{Credentials: []byte(`{}`)}},
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, s := range specs {
		t.Run(string(s.spec.Kind), func(t *testing.T) {
			p, err := s.spec.New(s.cfg)
			if err != nil {
				t.Fatal(err)
			}
			caps := p.Capabilities()
			_, err = p.Send(ctx, providers.SendRequest{RequestID: "req-0123456789", Target: providers.Target{Kind: providers.AudienceAll},
				Message: providers.Message{Type: caps.MessageTypes[0], Title: "t", Body: "b"}})
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Class != providers.Retry || pe.Code != providers.CodeCanceled {
				t.Fatalf("cancelled send: %v, want Retry %s", err, providers.CodeCanceled)
			}
		})
	}
}
