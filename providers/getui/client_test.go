package getui

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

func TestNewConfig(t *testing.T) {
	tests := []struct {
		name      string
		creds     string
		baseURL   string
		wantField string // empty: no error
	}{
		{name: "valid", creds: `{"app_id":"abc123","app_key":"k","master_secret":"s"}`},
		{name: "missing app_id", creds: `{"app_key":"k","master_secret":"s"}`, wantField: "credentials.app_id"},
		{name: "missing app_key", creds: `{"app_id":"a1","master_secret":"s"}`, wantField: "credentials.app_key"},
		{name: "blank master_secret", creds: `{"app_id":"a1","app_key":"k","master_secret":"  "}`, wantField: "credentials.master_secret"},
		{name: "app_id not a string", creds: `{"app_id":12,"app_key":"k","master_secret":"s"}`, wantField: "credentials.app_id"},
		{name: "app_id with a slash", creds: `{"app_id":"a/b","app_key":"k","master_secret":"s"}`, wantField: "credentials.app_id"},
		{name: "not an object", creds: `[1]`, wantField: "credentials"},
		{name: "empty", creds: ``, wantField: "credentials.app_id"},
		{name: "bad base url", creds: `{"app_id":"a1","app_key":"k","master_secret":"s"}`, baseURL: "ftp://x", wantField: "base_url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(providers.Config{Credentials: json.RawMessage(tc.creds), BaseURL: tc.baseURL})
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				c := p.(*Client)
				if c.base != DefaultBaseURL+"/v2/abc123" {
					t.Errorf("base = %q", c.base)
				}
				return
			}
			var ce *providers.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v, want *ConfigError", err)
			}
			if p, ok := ce.Problem(tc.wantField); !ok || p.MsgID == "" {
				t.Errorf("problems = %v, want one on %s", ce.Problems, tc.wantField)
			}
		})
	}
}

func TestSpec(t *testing.T) {
	s := Spec()
	if s.Kind != providers.KindGeTui || s.DefaultBaseURL != DefaultBaseURL || s.New == nil {
		t.Fatalf("spec = %+v", s)
	}
	secret := map[string]bool{}
	for _, f := range s.Fields {
		if !f.Required {
			t.Errorf("field %s not required", f.Name)
		}
		secret[f.Name] = f.Secret
	}
	want := map[string]bool{"app_id": false, "app_key": true, "master_secret": true}
	if len(secret) != len(want) {
		t.Fatalf("fields = %v", secret)
	}
	for k, v := range want {
		if secret[k] != v {
			t.Errorf("field %s secret = %v, want %v", k, secret[k], v)
		}
	}
}

func TestSign(t *testing.T) {
	// echo -n "Mjv706pTKt5cTcjtqaToz8" "1608172111917" "uIBtmad7RK706cy5MKdfp3" (joined) | sha256sum
	const want = "5009791e680e942a88291f9984d13db1c261cb9e1939c04d622c811dd4839702"
	if got := sign("Mjv706pTKt5cTcjtqaToz8", "1608172111917", "uIBtmad7RK706cy5MKdfp3"); got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name      string
		opts      []getuifake.Option
		setup     func(*getuifake.Server)
		wantClass providers.Class
		wantCode  string // empty: success
	}{
		{name: "ok"},
		{name: "wrong master secret", opts: []getuifake.Option{getuifake.WithCredentials(getuifake.AppID, getuifake.AppKey, "other")},
			wantClass: providers.Permanent, wantCode: "20001"},
		{name: "auth rate limit", setup: func(s *getuifake.Server) { s.SetAuthLimit(0) },
			wantClass: providers.Retry, wantCode: "10003"},
		{name: "5xx", setup: func(s *getuifake.Server) { s.FailNext(1, 502) },
			wantClass: providers.Retry, wantCode: "http_502"},
		{name: "malformed", setup: func(s *getuifake.Server) { s.MalformedNext(1) },
			wantClass: providers.Retry, wantCode: "bad_response"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := getuifake.New(t, tc.opts...)
			// The client holds the fake's default credentials; the fake may hold others.
			c := newTestClient(t, srv)
			c.creds = credentials{AppID: getuifake.AppID, AppKey: getuifake.AppKey, MasterSecret: getuifake.MasterSecret}
			if tc.setup != nil {
				tc.setup(srv)
			}
			err := c.Verify(context.Background())
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				reqs := srv.RequestsTo("/auth")
				if len(reqs) != 1 || reqs[0].Header.Get("token") != "" {
					t.Fatalf("auth requests = %d", len(reqs))
				}
				var body map[string]any
				if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
					t.Fatal(err)
				}
				ts, _ := body["timestamp"].(string)
				if body["appkey"] != getuifake.AppKey || body["sign"] != sign(getuifake.AppKey, ts, getuifake.MasterSecret) {
					t.Fatalf("auth body = %v", body)
				}
				return
			}
			wantError(t, err, tc.wantClass, tc.wantCode)
		})
	}
}
