package mxpush_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/mxpush"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// newClient builds a client against the fake.
func newClient(t *testing.T, srv *mxfake.Server, hc *http.Client) *mxpush.Client {
	t.Helper()
	p, err := mxpush.New(providers.Config{BaseURL: srv.URL(), Credentials: srv.Credentials(), HTTPClient: hc})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c, ok := p.(*mxpush.Client)
	if !ok {
		t.Fatalf("New returned %T, want *mxpush.Client", p)
	}
	return c
}

// asProviderError asserts err is a *providers.Error of class and code.
func asProviderError(t *testing.T, err error, class providers.Class, code string) *providers.Error {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *providers.Error", err, err)
	}
	if pe.Class != class || pe.Code != code {
		t.Fatalf("error = class %s code %q (%v), want class %s code %q", pe.Class, pe.Code, pe, class, code)
	}
	return pe
}

func TestNewConfigValidation(t *testing.T) {
	tests := []struct {
		name    string
		base    string
		creds   string
		wantErr map[string]string // field keys expected (values not compared)
	}{
		{name: "valid", base: "https://api.maximtop.com", creds: `{"app_id":"welovemaxim","access_token":"tok"}`},
		{name: "valid with path prefix", base: "http://127.0.0.1:9000/mx/", creds: `{"app_id":"a","access_token":"t"}`},
		{name: "base url required", base: "", creds: `{"app_id":"a","access_token":"t"}`, wantErr: map[string]string{"base_url": ""}},
		{name: "base url not http", base: "ftp://x", creds: `{"app_id":"a","access_token":"t"}`, wantErr: map[string]string{"base_url": ""}},
		{name: "missing app_id", base: "https://x", creds: `{"access_token":"t"}`, wantErr: map[string]string{"credentials.app_id": ""}},
		{name: "app_id not a string", base: "https://x", creds: `{"app_id":123,"access_token":"t"}`, wantErr: map[string]string{"credentials.app_id": ""}},
		{name: "empty token", base: "https://x", creds: `{"app_id":"a","access_token":"  "}`, wantErr: map[string]string{"credentials.access_token": ""}},
		{name: "null token", base: "https://x", creds: `{"app_id":"a","access_token":null}`, wantErr: map[string]string{"credentials.access_token": ""}},
		{name: "token with newline", base: "https://x", creds: `{"app_id":"a","access_token":"t\nx"}`, wantErr: map[string]string{"credentials.access_token": ""}},
		{name: "not an object", base: "https://x", creds: `["a"]`, wantErr: map[string]string{"credentials": ""}},
		{name: "empty credentials and base", base: "", creds: ``, wantErr: map[string]string{"credentials": "", "base_url": ""}},
		{name: "both fields missing", base: "https://x", creds: `{}`, wantErr: map[string]string{"credentials.app_id": "", "credentials.access_token": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := mxpush.New(providers.Config{BaseURL: tt.base, Credentials: json.RawMessage(tt.creds)})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if p.Kind() != providers.KindMXPush {
					t.Fatalf("Kind = %q", p.Kind())
				}
				return
			}
			var ce *providers.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *providers.ConfigError", err)
			}
			got := map[string]string{}
			for _, p := range ce.Problems {
				got[p.Field] = ""
			}
			if !reflect.DeepEqual(got, tt.wantErr) {
				t.Fatalf("problems = %v, want keys %v", ce.Problems, tt.wantErr)
			}
		})
	}
}

func TestSpecAndCapabilities(t *testing.T) {
	s := mxpush.Spec()
	if s.Kind != providers.KindMXPush || s.New == nil || s.DefaultBaseURL != "" || !s.BaseURLRequired {
		t.Fatalf("Spec = %+v", s)
	}
	want := []providers.CredentialField{
		{Name: "app_id", Required: true},
		{Name: "access_token", Secret: true, Required: true},
	}
	if !reflect.DeepEqual(s.Fields, want) {
		t.Fatalf("Fields = %+v, want %+v", s.Fields, want)
	}
	srv := mxfake.New(t)
	caps := newClient(t, srv, nil).Capabilities()
	wantAud := map[providers.AudienceKind]int{"all": 0, "tag": 500, "alias": 500, "user_id": 500, "push_token": 500, "cid": 500}
	if !reflect.DeepEqual(caps.Audiences, wantAud) {
		t.Fatalf("Audiences = %v", caps.Audiences)
	}
	for _, mt := range []providers.MessageType{"notification", "image", "transmission", "link"} {
		if !caps.SupportsType(mt) {
			t.Errorf("type %s not supported", mt)
		}
	}
	if caps.SupportsType(providers.TypeTextCard) || caps.Supports(providers.AudienceConditions) {
		t.Errorf("unexpected capabilities %+v", caps)
	}
}
