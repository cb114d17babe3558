package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// newClient builds a client against the fake with its accepted credentials.
func newClient(t *testing.T, srv *wecomfake.Server, creds json.RawMessage, hc *http.Client) *Client {
	t.Helper()
	if creds == nil {
		creds = srv.Credentials()
	}
	p, err := New(providers.Config{
		BaseURL: srv.URL, Credentials: creds, HTTPClient: hc,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p.(*Client)
}

// providerError asserts err carries a *providers.Error and returns it.
func providerError(t *testing.T, err error) *providers.Error {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) carries no *providers.Error", err, err)
	}
	return pe
}

func wantClass(t *testing.T, err error, class providers.Class, code string) *providers.Error {
	t.Helper()
	pe := providerError(t, err)
	if pe.Class != class || pe.Code != code {
		t.Fatalf("got class %s code %q (%v), want %s %q", pe.Class, pe.Code, err, class, code)
	}
	return pe
}

func textTo(kind providers.AudienceKind, body string, values ...string) providers.SendRequest {
	return providers.SendRequest{
		RequestID: "req-0000000001",
		Message:   providers.Message{Type: providers.TypeText, Body: body},
		Target:    providers.Target{Kind: kind, Values: values},
	}
}

// clock is a settable clock for token expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestNewConfig(t *testing.T) {
	tests := []struct {
		name      string
		creds     string
		baseURL   string
		wantField string // "" means success
	}{
		{name: "valid", creds: `{"corp_id":"ww1","corp_secret":"s","agent_id":1000002}`},
		{name: "valid with base url prefix", creds: `{"corp_id":"ww1","corp_secret":"s","agent_id":1}`, baseURL: "http://127.0.0.1:9/proxy/"},
		{name: "missing corp_id", creds: `{"corp_secret":"s","agent_id":1}`, wantField: "credentials.corp_id"},
		{name: "blank corp_id", creds: `{"corp_id":"  ","corp_secret":"s","agent_id":1}`, wantField: "credentials.corp_id"},
		{name: "missing corp_secret", creds: `{"corp_id":"ww1","agent_id":1}`, wantField: "credentials.corp_secret"},
		{name: "missing agent_id", creds: `{"corp_id":"ww1","corp_secret":"s"}`, wantField: "credentials.agent_id"},
		{name: "agent_id string", creds: `{"corp_id":"ww1","corp_secret":"s","agent_id":"1000002"}`, wantField: "credentials.agent_id"},
		{name: "agent_id float", creds: `{"corp_id":"ww1","corp_secret":"s","agent_id":1000002.5}`, wantField: "credentials.agent_id"},
		{name: "agent_id exponent", creds: `{"corp_id":"ww1","corp_secret":"s","agent_id":1e6}`, wantField: "credentials.agent_id"},
		{name: "agent_id zero", creds: `{"corp_id":"ww1","corp_secret":"s","agent_id":0}`, wantField: "credentials.agent_id"},
		{name: "agent_id null", creds: `{"corp_id":"ww1","corp_secret":"s","agent_id":null}`, wantField: "credentials.agent_id"},
		{name: "empty credentials", creds: ``, wantField: "credentials.corp_secret"},
		{name: "not an object", creds: `[1,2]`, wantField: "credentials"},
		{name: "bad base url", creds: `{"corp_id":"ww1","corp_secret":"s","agent_id":1}`, baseURL: "ftp://x", wantField: "base_url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(providers.Config{BaseURL: tc.baseURL, Credentials: json.RawMessage(tc.creds)})
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if p.Kind() != providers.KindWeCom {
					t.Fatalf("Kind = %q", p.Kind())
				}
				return
			}
			var ce *providers.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want *ConfigError, got %v", err)
			}
			if _, ok := ce.Problem(tc.wantField); !ok {
				t.Fatalf("problems %v lack %q", ce.Problems, tc.wantField)
			}
			if strings.Contains(err.Error(), `"s"`) {
				t.Fatalf("config error leaks the secret: %v", err)
			}
		})
	}
}

func TestSpecAndCapabilities(t *testing.T) {
	s := Spec()
	if s.Kind != providers.KindWeCom || s.DefaultBaseURL != "https://qyapi.weixin.qq.com" || s.BaseURLRequired {
		t.Fatalf("spec = %+v", s)
	}
	want := map[string]providers.CredentialField{
		"corp_id":     {Name: "corp_id", Required: true},
		"corp_secret": {Name: "corp_secret", Secret: true, Required: true},
		"agent_id":    {Name: "agent_id", Required: true, Integer: true},
	}
	if len(s.Fields) != len(want) {
		t.Fatalf("fields = %+v", s.Fields)
	}
	for _, f := range s.Fields {
		if !reflect.DeepEqual(want[f.Name], f) {
			t.Errorf("field %+v, want %+v", f, want[f.Name])
		}
	}
	srv := wecomfake.New(t)
	caps := newClient(t, srv, nil, nil).Capabilities()
	limits := map[providers.AudienceKind]int{
		providers.AudienceAll: 0, providers.AudienceCID: 1000, providers.AudienceUserID: 1000,
		providers.AudienceAlias: 1000, providers.AudienceParty: 100, providers.AudienceTag: 100,
	}
	for k, n := range limits {
		if got, ok := caps.Audiences[k]; !ok || got != n {
			t.Errorf("audience %s = %d (%v), want %d", k, got, ok, n)
		}
	}
	if caps.Supports(providers.AudienceConditions) || caps.Supports(providers.AudiencePushToken) {
		t.Error("conditions/push_token must not be native")
	}
	for _, mt := range []providers.MessageType{providers.TypeText, providers.TypeTextCard, providers.TypeMarkdown, providers.TypeNews} {
		if !caps.SupportsType(mt) {
			t.Errorf("type %s not supported", mt)
		}
	}
	if caps.RequestsPerSecond <= 0 || caps.RequestsPerSecond > 20 {
		t.Errorf("RequestsPerSecond = %v, want a conservative positive rate", caps.RequestsPerSecond)
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name     string
		creds    string
		wantCode string // "" means success
	}{
		{name: "ok"},
		{name: "bad secret", creds: `{"corp_id":"` + wecomfake.DefaultCorpID + `","corp_secret":"wrong","agent_id":1000002}`, wantCode: "40001"},
		{name: "bad corp id", creds: `{"corp_id":"wwother","corp_secret":"x","agent_id":1000002}`, wantCode: "40013"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomfake.New(t)
			var creds json.RawMessage
			if tc.creds != "" {
				creds = json.RawMessage(tc.creds)
			}
			c := newClient(t, srv, creds, nil)
			err := c.Verify(context.Background())
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
			} else {
				pe := wantClass(t, err, providers.Permanent, tc.wantCode)
				if !strings.Contains(pe.Msg, "invalid") {
					t.Errorf("Msg %q should be WeCom's errmsg", pe.Msg)
				}
				if strings.Contains(err.Error(), "wrong") {
					t.Errorf("error leaks the secret: %v", err)
				}
			}
			if n := srv.Count(wecomfake.PathToken); n != 1 {
				t.Errorf("gettoken calls = %d, want 1", n)
			}
		})
	}
}

// TestDeclaresDailyAppStats: the console shows the per-app days only for
// providers that declare them, so the declaration must match the client.
func TestDeclaresDailyAppStats(t *testing.T) {
	var _ providers.AppStatsReporter = (*Client)(nil)
	if !Spec().Capabilities.DailyAppStats {
		t.Fatal("the registry entry does not declare WeCom's daily app statistics")
	}
}
