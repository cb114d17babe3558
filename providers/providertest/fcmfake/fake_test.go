package fcmfake_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
)

// accessToken signs in at the fake with keyFile, as the FCM client does.
func accessToken(t *testing.T, f *fcmfake.Server, keyFile []byte, scope string) (string, error) {
	t.Helper()
	cfg, err := google.JWTConfigFromJSON(keyFile, scope)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, f.Client())
	tok, err := cfg.TokenSource(ctx).Token()
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

func TestTokenEndpointVerifiesTheAssertion(t *testing.T) {
	f := fcmfake.New(t)
	if _, err := accessToken(t, f, f.ServiceAccountJSON(), fcmfake.Scope); err != nil {
		t.Fatalf("the service account's own key: %v", err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(other)
	if err != nil {
		t.Fatal(err)
	}
	var sa map[string]string
	if err := json.Unmarshal(f.ServiceAccountJSON(), &sa); err != nil {
		t.Fatal(err)
	}
	sa["private_key"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	forged, err := json.Marshal(sa)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := accessToken(t, f, forged, fcmfake.Scope); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("another key: %v, want invalid_grant", err)
	}
	if _, err := accessToken(t, f, f.ServiceAccountJSON(), "https://www.googleapis.com/auth/userinfo.email"); err == nil {
		t.Fatal("a token without the messaging scope was issued")
	}
}

func TestSendIsStrict(t *testing.T) {
	f := fcmfake.New(t)
	tok, err := accessToken(t, f, f.ServiceAccountJSON(), fcmfake.Scope)
	if err != nil {
		t.Fatal(err)
	}
	url := f.URL + "/v1/projects/" + f.ProjectID() + "/messages:send"
	tests := []struct {
		name, bearer, url, body string
		status                  int
		want                    string
	}{
		{"delivered", tok, url, `{"message":{"token":"t1","notification":{"title":"a"}}}`, 200, `"name":"projects/pushdeck-fake/messages/`},
		{"validate only", tok, url, `{"validate_only":true,"message":{"topic":"x"}}`, 200, "fake_message_id"},
		{"no bearer", "", url, `{"message":{"token":"t1"}}`, 401, "UNAUTHENTICATED"},
		{"another project", tok, f.URL + "/v1/projects/other/messages:send", `{"message":{"token":"t1"}}`, 404, "NOT_FOUND"},
		{"unknown field", tok, url, `{"message":{"token":"t1","badge":1}}`, 400, "Invalid JSON payload"},
		{"two targets", tok, url, `{"message":{"token":"t1","topic":"x"}}`, 400, "exactly one of"},
		{"number in data", tok, url, `{"message":{"token":"t1","data":{"a":1}}}`, 400, "INVALID_ARGUMENT"},
		{"reserved data key", tok, url, `{"message":{"token":"t1","data":{"from":"x"}}}`, 400, "reserved"},
		{"bad ttl", tok, url, `{"message":{"token":"t1","android":{"ttl":"3600"}}}`, 400, "message.android.ttl"},
		{"bad priority", tok, url, `{"message":{"token":"t1","android":{"priority":"URGENT"}}}`, 400, "message.android.priority"},
		{"six topics", tok, url, `{"message":{"condition":"'a' in topics || 'b' in topics || 'c' in topics || 'd' in topics || 'e' in topics || 'f' in topics"}}`, 400, "at most 5"},
		{"malformed token", tok, url, `{"message":{"token":"a token"}}`, 400, "not a valid FCM registration token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, tc.url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tc.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tc.bearer)
			}
			resp, err := f.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%d %s\nwant %d with %q", resp.StatusCode, b, tc.status, tc.want)
			}
			if resp.ProtoMajor != 2 {
				t.Fatalf("answered over %s, want HTTP/2", resp.Proto)
			}
		})
	}
	if n := len(f.DeliveryCounts()); n != 1 || f.Stats().Validated != 1 {
		t.Fatalf("%d deliveries, %d validated; want 1 and 1", n, f.Stats().Validated)
	}
}
