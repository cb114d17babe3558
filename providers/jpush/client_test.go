package jpush

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name  string
		base  string
		creds string
		field string
	}{
		{"no credentials", "", ``, "credentials"},
		{"not an object", "", `[1]`, "credentials"},
		{"no app key", "", `{"master_secret":"s"}`, "credentials.app_key"},
		{"no secret", "", `{"app_key":"k"}`, "credentials.master_secret"},
		{"secret not a string", "", `{"app_key":"k","master_secret":5}`, "credentials.master_secret"},
		{"colon in app key", "", `{"app_key":"a:b","master_secret":"s"}`, "credentials.app_key"},
		{"bad base url", "ftp://x", `{"app_key":"k","master_secret":"s"}`, "base_url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(providers.Config{BaseURL: tc.base, Credentials: json.RawMessage(tc.creds)})
			var ce *providers.ConfigError
			if !errors.As(err, &ce) || !hasProblem(ce, tc.field) {
				t.Fatalf("error %v, want a ConfigError naming %s", err, tc.field)
			}
		})
	}
}

func TestDefaultHostsAndOneBaseURL(t *testing.T) {
	p, err := New(providers.Config{Credentials: json.RawMessage(`{"app_key":"k","master_secret":"s"}`)})
	if err != nil {
		t.Fatal(err)
	}
	c := p.(*Client)
	if c.pushBase != DefaultBaseURL || c.reportBase != DefaultReportURL {
		t.Errorf("hosts %s and %s", c.pushBase, c.reportBase)
	}
	p, err = New(providers.Config{BaseURL: "https://jp.example.com/prefix/", Credentials: json.RawMessage(`{"app_key":"k","master_secret":"s"}`)})
	if err != nil {
		t.Fatal(err)
	}
	c = p.(*Client)
	if c.pushBase != "https://jp.example.com/prefix" || c.reportBase != c.pushBase {
		t.Errorf("with base_url: hosts %s and %s, want one root", c.pushBase, c.reportBase)
	}
	if Spec().Kind != Kind || c.Kind() != Kind {
		t.Errorf("kind %q", c.Kind())
	}
}

func TestVerify(t *testing.T) {
	c, fake := newClient(t)
	if err := c.Verify(context.Background()); err != nil {
		t.Fatalf("verify: %v", err)
	}
	r := fake.RequestsTo(jpushfake.PathCID)
	if len(r) != 1 || r[0].Method != "GET" || len(fake.RequestsTo(jpushfake.PathPush)) != 0 {
		t.Fatalf("verify made %d cid calls and pushed %d times", len(r), len(fake.RequestsTo(jpushfake.PathPush)))
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(jpushfake.DefaultAppKey+":"+jpushfake.DefaultMasterSecret))
	if got := r[0].Header.Get("Authorization"); got != want {
		t.Errorf("Authorization %q, want %q", got, want)
	}
	// The cid fetched by Verify serves the next push: no second fetch.
	if _, err := c.Send(context.Background(), providers.SendRequest{RequestID: "pdverify0001", Message: note("t", "b"), Target: cidTarget(1)}); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.RequestsTo(jpushfake.PathCID)); n != 1 {
		t.Errorf("%d cid calls, want the verify's cid reused", n)
	}

	fake.SetMasterSecret("rotated")
	err := c.Verify(context.Background())
	pe := wantError(t, err, providers.Reauth, "1004")
	if strings.Contains(pe.Error(), jpushfake.DefaultMasterSecret) {
		t.Errorf("error leaks the secret: %v", pe)
	}
}

func TestCredentialsRedactedInLogs(t *testing.T) {
	var buf bytes.Buffer
	lg := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fake := jpushfake.New(t)
	p, err := New(providers.Config{BaseURL: fake.URL(), Credentials: fake.Credentials(), Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	lg.Info("creds", "creds", credentials{AppKey: "k", MasterSecret: jpushfake.DefaultMasterSecret})
	if _, err := p.Send(context.Background(), providers.SendRequest{RequestID: "pdlogs000001", Message: note("t", "b"), Target: cidTarget(2)}); err != nil {
		t.Fatal(err)
	}
	auth := base64.StdEncoding.EncodeToString([]byte(jpushfake.DefaultAppKey + ":" + jpushfake.DefaultMasterSecret))
	for _, secret := range []string{jpushfake.DefaultMasterSecret, auth} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log holds a secret: %s", buf.String())
		}
	}
}

func TestQuotaHeadersRead(t *testing.T) {
	c, _ := newClient(t)
	if err := c.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := c.Quota()
	if q.Limit != jpushfake.DefaultRateLimit || q.Remaining != jpushfake.DefaultRateLimit-1 || q.Reset <= 0 {
		t.Errorf("quota %+v", q)
	}
}

// hasProblem reports whether ce names field.
func hasProblem(ce *providers.ConfigError, field string) bool {
	_, ok := ce.Problem(field)
	return ok
}
