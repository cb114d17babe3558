package fcm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
)

func TestNewRefusesBadServiceAccount(t *testing.T) {
	t.Parallel()
	f := fcmfake.New(t)
	var good map[string]string
	if err := json.Unmarshal(f.ServiceAccountJSON(), &good); err != nil {
		t.Fatal(err)
	}
	with := func(k, v string) string {
		m := map[string]string{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return string(mustJSON(t, m))
	}
	tests := []struct {
		name, sa, want string
	}{
		{"empty", "", "err.required"},
		{"not JSON", "{project_id: x", "fcm.err.sa_json"},
		{"a user key", with("type", "authorized_user"), "fcm.err.sa_type"},
		{"no project_id", with("project_id", ""), "fcm.err.sa_missing project_id"},
		{"no client_email", with("client_email", ""), "fcm.err.sa_missing client_email"},
		{"no private_key", with("private_key", ""), "fcm.err.sa_missing private_key"},
		{"no token_uri", with("token_uri", ""), "fcm.err.sa_missing token_uri"},
		{"bad key", with("private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "fcm.err.sa_key"},
		{"plain http token_uri", with("token_uri", "http://oauth2.example/token"), "fcm.err.sa_token_uri"},
		{"project id with a slash", with("project_id", "a/../b"), "fcm.err.sa_project"},
		{"too long", strings.Repeat(" ", 10) + "{" + strings.Repeat(`"x":1,`, 4000) + `"y":1}`, "providers.err_file_size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			creds := mustJSON(t, map[string]string{"service_account": tc.sa})
			_, err := New(providers.Config{BaseURL: f.URL, Credentials: creds})
			var ce *providers.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("New = %v, want a ConfigError", err)
			}
			p, _ := ce.Problem(fieldServiceAccount)
			got := p.MsgID
			if f, ok := p.Args["Field"]; ok {
				got += fmt.Sprint(" ", f)
			}
			if got != tc.want {
				t.Fatalf("credentials.service_account: %q, want %q", got, tc.want)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Fatalf("the error repeats the key: %v", err)
			}
		})
	}
	t.Run("not an object", func(t *testing.T) {
		_, err := New(providers.Config{Credentials: json.RawMessage(`"x"`)})
		var ce *providers.ConfigError
		if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Field != "credentials" {
			t.Fatalf("New = %v, want a ConfigError on credentials", err)
		}
	})
}

func TestSpecDeclaresTheKeyFile(t *testing.T) {
	t.Parallel()
	s := Spec()
	if s.Kind != Kind || len(s.Fields) != 1 {
		t.Fatalf("spec %+v", s)
	}
	f := s.Fields[0]
	if f.Name != "service_account" || !f.Secret || !f.Required || !f.Multiline || len(f.Accept) != 1 || f.Accept[0] != ".json" {
		t.Fatalf("field %+v", f)
	}
	caps := s.Capabilities
	if caps.Idempotency != providers.IdempotencyNone || caps.Audiences[providers.AudienceCID] != MaxBatch || caps.Audiences[providers.AudienceTag] != MaxTopics {
		t.Fatalf("capabilities %+v", caps)
	}
}

func TestVerifyValidatesWithoutDelivering(t *testing.T) {
	t.Parallel()
	f := fcmfake.New(t)
	c := newClient(t, f, nil)
	if err := c.Verify(t.Context()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	st := f.Stats()
	if st.Validated != 1 || len(f.DeliveryCounts()) != 0 {
		t.Fatalf("validated %d, deliveries %v: want one validation and nothing delivered", st.Validated, f.DeliveryCounts())
	}

	f.RevokeKey()
	c = newClient(t, f, nil) // a fresh client holds no token yet
	err := c.Verify(t.Context())
	pe := providerError(t, err)
	if pe.Class != providers.Permanent || pe.Code != "invalid_grant" {
		t.Fatalf("Verify with a revoked key: %v", err)
	}
}

func TestTokenRefresh(t *testing.T) {
	t.Parallel()
	t.Run("before expiry", func(t *testing.T) {
		// The library replaces a token 10 s before it expires: an 11 s
		// token is used for a second.
		f := fcmfake.New(t, fcmfake.WithTokenTTL(11*time.Second))
		c := newClient(t, f, nil)
		if _, err := send(t, c, notificationReq("req-refresh-1", deviceTokens(3))); err != nil {
			t.Fatal(err)
		}
		if n := f.Stats().TokenCalls; n != 1 {
			t.Fatalf("%d token calls for the first batch, want 1", n)
		}
		waitFor(t, 1200)
		if _, err := send(t, c, notificationReq("req-refresh-2", deviceTokens(3))); err != nil {
			t.Fatal(err)
		}
		if n := f.Stats().TokenCalls; n != 2 {
			t.Fatalf("%d token calls after the token aged, want 2", n)
		}
	})
	t.Run("expired token answered 401", func(t *testing.T) {
		f := fcmfake.New(t)
		c := newClient(t, f, nil)
		if _, err := send(t, c, notificationReq("req-expire-1", deviceTokens(5))); err != nil {
			t.Fatal(err)
		}
		f.ExpireTokens()
		toks := deviceTokens(50)[10:]
		if _, err := send(t, c, notificationReq("req-expire-2", toks)); err != nil {
			t.Fatalf("send after expiry: %v", err)
		}
		onceEach(t, f, toks, "req-expire-2")
		if n := f.Stats().TokenCalls; n != 2 {
			t.Fatalf("%d token calls: 40 refusals must refresh the token once", n)
		}
	})
	t.Run("refused again after a refresh", func(t *testing.T) {
		f := fcmfake.New(t)
		c := newClient(t, f, nil)
		f.FailNext(1000, fcmfake.Fault{Status: 401})
		_, err := send(t, c, notificationReq("req-reauth-1", deviceTokens(4)))
		pe := providerError(t, err)
		if pe.Class != providers.Reauth || !pe.NotDelivered {
			t.Fatalf("got %v, want a Reauth error saying nothing was delivered", err)
		}
		if n := f.Stats().TokenCalls; n != 2 {
			t.Fatalf("%d token calls, want the token refreshed exactly once", n)
		}
	})
}
