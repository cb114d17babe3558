package apns

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
)

func pemOf(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// TestCredentials: every unusable field is refused at build, named.
func TestCredentials(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := func() map[string]string {
		return map[string]string{"team_id": "ABCDE12345", "key_id": "KEY1234567", "private_key": pemOf(t, p256),
			"bundle_id": "com.example.app", "environment": "sandbox"}
	}
	tests := []struct {
		name  string
		edit  func(m map[string]string)
		field string // "" when valid
	}{
		{"valid", func(map[string]string) {}, ""},
		{"environment defaults to production", func(m map[string]string) { delete(m, "environment") }, ""},
		{"not PEM", func(m map[string]string) { m["private_key"] = "MIGTAgEAMBMGByqGSM49" }, "credentials.private_key"},
		{"RSA key", func(m map[string]string) { m["private_key"] = pemOf(t, rsaKey) }, "credentials.private_key"},
		{"P-384 key", func(m map[string]string) { m["private_key"] = pemOf(t, p384) }, "credentials.private_key"},
		{"garbled PEM body", func(m map[string]string) {
			m["private_key"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("nope")}))
		}, "credentials.private_key"},
		{"team id 9 chars", func(m map[string]string) { m["team_id"] = "ABCDE1234" }, "credentials.team_id"},
		{"key id lower case", func(m map[string]string) { m["key_id"] = "key1234567" }, "credentials.key_id"},
		{"no bundle id", func(m map[string]string) { delete(m, "bundle_id") }, "credentials.bundle_id"},
		{"bundle id with a space", func(m map[string]string) { m["bundle_id"] = "com.example app" }, "credentials.bundle_id"},
		{"unknown environment", func(m map[string]string) { m["environment"] = "development" }, "credentials.environment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := good()
			tc.edit(m)
			raw, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			p, err := New(providers.Config{Credentials: raw})
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				want := SandboxURL
				if m["environment"] == "" {
					want = ProductionURL
				}
				if got := p.(*Client).base; got != want {
					t.Errorf("base %s, want %s", got, want)
				}
				return
			}
			var ce *providers.ConfigError
			if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Field != tc.field {
				t.Fatalf("error %v, want one naming %s", err, tc.field)
			}
		})
	}
	if _, err := New(providers.Config{Credentials: json.RawMessage(`[1]`)}); err == nil {
		t.Error("a JSON array was taken as credentials")
	}
}
