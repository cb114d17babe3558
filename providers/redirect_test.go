package providers_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/apns"
	"github.com/pushdeck/pushdeck/providers/getui"
	"github.com/pushdeck/pushdeck/providers/mxpush"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
	"github.com/pushdeck/pushdeck/providers/wecom"
)

// listener records what reaches the host a redirect points to.
type listener struct {
	srv *httptest.Server

	mu   sync.Mutex
	seen []*http.Request
}

func newListener(t *testing.T) *listener {
	t.Helper()
	l := &listener{}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.seen = append(l.seen, r.Clone(context.Background()))
		l.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"code":0,"errcode":0}`)) // a write error only fails the client side
	}))
	t.Cleanup(l.srv.Close)
	return l
}

func (l *listener) requests() []*http.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*http.Request(nil), l.seen...)
}

// redirector sits at an account's base URL: token calls go through to the
// protocol fake, every other call is redirected (307 keeps the method, the
// body and the headers) to the listener.
func redirector(t *testing.T, fake string, tokenPath func(string) bool, to string) string {
	t.Helper()
	u, err := url.Parse(fake)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tokenPath(r.URL.Path) {
			proxy.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, to+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestProviderClientsFollowNoRedirect: a base URL whose server redirects a
// push elsewhere gets the redirect back as a permanent error, and the
// other host never sees the request, let alone the token header (GeTui
// "token", MX push "access-token") or WeCom's access_token query.
func TestProviderClientsFollowNoRedirect(t *testing.T) {
	tests := []struct {
		name   string
		build  func(t *testing.T, to string) (providers.Provider, error)
		secret string
		cid    string // "cid-1" unless the provider needs a device token's shape
	}{
		{name: "getui", build: func(t *testing.T, to string) (providers.Provider, error) {
			fake := getuifake.New(t)
			base := redirector(t, fake.URL(), func(p string) bool { return strings.HasSuffix(p, "/auth") }, to)
			return getui.New(providers.Config{BaseURL: base, Credentials: fake.Credentials(), HTTPClient: &http.Client{}})
		}, secret: "token"},
		{name: "mxpush", build: func(t *testing.T, to string) (providers.Provider, error) {
			fake := mxfake.New(t)
			base := redirector(t, fake.URL(), func(string) bool { return false }, to)
			return mxpush.New(providers.Config{BaseURL: base, Credentials: fake.Credentials()})
		}, secret: "access-token"},
		{name: "wecom", build: func(t *testing.T, to string) (providers.Provider, error) {
			fake := wecomfake.New(t)
			base := redirector(t, fake.URL, func(p string) bool { return strings.HasSuffix(p, "/gettoken") }, to)
			return wecom.New(providers.Config{BaseURL: base, Credentials: fake.Credentials()})
		}, secret: "access_token"},
		{name: "apns", build: func(t *testing.T, to string) (providers.Provider, error) {
			// The client calls its transport directly, without
			// http.Client: a redirect must still come back as the answer.
			fake := apnsfake.New(t)
			base := redirector(t, fake.URL(), func(string) bool { return false }, to)
			return apns.New(providers.Config{BaseURL: base, Credentials: fake.Credentials()})
		}, secret: "authorization", cid: strings.Repeat("ab", 32)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newListener(t)
			p, err := tc.build(t, l.srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			msg := providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b"}
			if tc.name == "wecom" {
				msg = providers.Message{Type: providers.TypeText, Body: "b"}
			}
			cid := tc.cid
			if cid == "" {
				cid = "cid-1"
			}
			_, err = p.Send(context.Background(), providers.SendRequest{RequestID: "redirect-test-01", Message: msg,
				Target: providers.Target{Kind: providers.AudienceCID, Values: []string{cid}}})
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Class != providers.Permanent || pe.Code != "http_307" {
				t.Errorf("send through a redirect: %v, want a permanent http_307", err)
			}
			for _, r := range l.requests() {
				b, _ := json.Marshal(r.Header) // a header map always marshals
				t.Errorf("the redirect target got %s %s (headers %s; %s present: %t)", r.Method, r.URL.Path, b, tc.secret,
					r.Header.Get(tc.secret) != "" || r.URL.Query().Get(tc.secret) != "")
			}
		})
	}
}

// TestHTTPClientKeepsCallersPolicy: the provider's copy of a test's
// client refuses redirects without changing the caller's client.
func TestHTTPClientKeepsCallersPolicy(t *testing.T) {
	given := &http.Client{}
	hc := providers.HTTPClient(given)
	if hc == given || given.CheckRedirect != nil {
		t.Fatal("the caller's client was changed")
	}
	if hc.CheckRedirect == nil || hc.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		t.Error("the provider's client follows redirects")
	}
	if providers.NewHTTPClient().CheckRedirect == nil {
		t.Error("the default provider client follows redirects")
	}
}
