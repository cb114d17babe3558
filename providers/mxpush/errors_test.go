package mxpush_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

func simpleSend(c interface {
	Send(context.Context, providers.SendRequest) (providers.Result, error)
}) error {
	_, err := c.Send(context.Background(), providers.SendRequest{RequestID: rid,
		Target: providers.Target{Kind: providers.AudienceAll}, Message: providers.Message{Type: providers.TypeNotification, Body: "b"}})
	return err
}

func TestSendFailuresClassified(t *testing.T) {
	tests := []struct {
		name      string
		script    func(*mxfake.Server)
		class     providers.Class
		code      string
		msg       string
		retryWait time.Duration
		limited   bool // a push-back on the account's rate
	}{
		{name: "http 500", script: func(s *mxfake.Server) { s.FailNext(1, 500) }, class: providers.Retry, code: "http_500"},
		{name: "http 502", script: func(s *mxfake.Server) { s.FailNext(1, 502) }, class: providers.Retry, code: "http_502"},
		{name: "http 503", script: func(s *mxfake.Server) { s.FailNext(1, 503) }, class: providers.Retry, code: "http_503", limited: true},
		{name: "http 401", script: func(s *mxfake.Server) { s.FailNext(1, 401) }, class: providers.Reauth, code: "http_401"},
		{name: "http 404 wrong base url", script: func(s *mxfake.Server) { s.FailNext(1, 404) }, class: providers.Permanent, code: "http_404"},
		{name: "429 with Retry-After", script: func(s *mxfake.Server) { s.ThrottleNext(1, 3*time.Second) }, class: providers.Retry, code: "http_429", retryWait: 3 * time.Second, limited: true},
		{name: "429 without Retry-After", script: func(s *mxfake.Server) { s.ThrottleNext(1, 0) }, class: providers.Retry, code: "http_429", retryWait: 10 * time.Second, limited: true},
		{name: "malformed JSON", script: func(s *mxfake.Server) { s.MalformedNext(1) }, class: providers.Retry, code: "bad_response"},
		{name: "20000 server DB error", script: func(s *mxfake.Server) { s.FailNextCode(1, 20000, "server db error") }, class: providers.Retry, code: "20000", msg: "server db error"},
		{name: "12001 xiaomi image upload", script: func(s *mxfake.Server) { s.FailNextCode(1, 12001, "upload to xiaomi failed") }, class: providers.Retry, code: "12001", msg: "upload to xiaomi failed"},
		{name: "12006 push disabled", script: func(s *mxfake.Server) { s.FailNextCode(1, 12006, "push not enabled") }, class: providers.Permanent, code: "12006", msg: "push not enabled"},
		{name: "12004 image unavailable", script: func(s *mxfake.Server) { s.FailNextCode(1, 12004, "") }, class: providers.Permanent, code: "12004", msg: "push image URL cannot be downloaded"},
		{name: "30022 licence expired", script: func(s *mxfake.Server) { s.FailNextCode(1, 30022, "license expired") }, class: providers.Permanent, code: "30022", msg: "license expired"},
		{name: "10008 token revoked", script: func(s *mxfake.Server) { s.RevokeToken() }, class: providers.Reauth, code: "10008", msg: "access-token in header is invalid"},
		{name: "10003 token missing", script: func(s *mxfake.Server) { s.FailNextCode(1, 10003, "access-token is missing") }, class: providers.Reauth, code: "10003", msg: "access-token is missing"},
		{name: "10010 no permission", script: func(s *mxfake.Server) { s.FailNextCode(1, 10010, "no permission") }, class: providers.Permanent, code: "10010", msg: "no permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mxfake.New(t)
			tt.script(srv)
			err := simpleSend(newClient(t, srv, nil))
			pe := asProviderError(t, err, tt.class, tt.code)
			if tt.msg != "" && pe.Msg != tt.msg {
				t.Errorf("Msg = %q, want %q", pe.Msg, tt.msg)
			}
			if pe.RetryAfter != tt.retryWait {
				t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, tt.retryWait)
			}
			if pe.RateLimited != tt.limited {
				t.Errorf("RateLimited = %t, want %t", pe.RateLimited, tt.limited)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests, want exactly 1 (no internal retry)", n)
			}
		})
	}
}

func TestSendFaultClears(t *testing.T) {
	srv := mxfake.New(t)
	srv.FailNext(2, 503)
	c := newClient(t, srv, nil)
	for range 2 {
		asProviderError(t, simpleSend(c), providers.Retry, "http_503")
	}
	if err := simpleSend(c); err != nil {
		t.Fatalf("third send after two 503s: %v", err)
	}
}

func TestSendTimeout(t *testing.T) {
	t.Run("client timeout", func(t *testing.T) {
		srv := mxfake.New(t)
		srv.SetDelay(500 * time.Millisecond)
		err := simpleSend(newClient(t, srv, &http.Client{Timeout: 50 * time.Millisecond}))
		asProviderError(t, err, providers.Retry, "timeout")
	})
	t.Run("context deadline", func(t *testing.T) {
		srv := mxfake.New(t)
		srv.SetDelay(500 * time.Millisecond)
		c := newClient(t, srv, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.Send(ctx, providers.SendRequest{RequestID: rid, Target: providers.Target{Kind: providers.AudienceAll}, Message: providers.Message{Type: providers.TypeNotification, Body: "b"}})
		asProviderError(t, err, providers.Retry, "timeout")
	})
}

// TestTokenRevokedMidRun: the console token cannot be refreshed by the
// client, so a revoked token fails each later call once with Reauth (no
// loop), and a client built with the rotated token works again.
func TestTokenRevokedMidRun(t *testing.T) {
	srv := mxfake.New(t)
	c := newClient(t, srv, nil)
	if err := simpleSend(c); err != nil {
		t.Fatalf("send before revoke: %v", err)
	}
	srv.RevokeToken()
	before := len(srv.Requests())
	asProviderError(t, simpleSend(c), providers.Reauth, "10008")
	if n := len(srv.Requests()) - before; n != 1 {
		t.Fatalf("%d calls after revoke, want 1", n)
	}
	srv.SetToken("rotated-token")
	if err := simpleSend(newClient(t, srv, nil)); err != nil {
		t.Fatalf("send with rotated token: %v", err)
	}
	asProviderError(t, simpleSend(c), providers.Reauth, "10008")
}
