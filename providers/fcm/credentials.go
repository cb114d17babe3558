package fcm

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// fieldServiceAccount is the one credential, as field errors name it.
const fieldServiceAccount = "credentials.service_account"

// maxServiceAccountBytes bounds the key file; Google's are about 2.3 KB.
const maxServiceAccountBytes = 16 << 10

// credentials is the decoded credentials object of an fcm account: the
// service-account key file as one JSON string, so it can be pasted or
// uploaded unchanged.
type credentials struct {
	ServiceAccount string `json:"service_account"`
}

// serviceAccount is the part of a Google service-account key file the
// client uses. The file itself is handed to golang.org/x/oauth2/google,
// which reads the same fields.
type serviceAccount struct {
	Type        string `json:"type"`
	ProjectID   string `json:"project_id"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
	TokenURI    string `json:"token_uri"`
}

// decodeCredentials validates {service_account} and returns the key file's
// bytes and fields. Every refusal is a *providers.ConfigError naming
// credentials.service_account with a catalog id for the reason, so the
// operator learns which part of the file is wrong without the file being
// echoed back.
func decodeCredentials(raw json.RawMessage) ([]byte, serviceAccount, error) {
	var c credentials
	bad := func(msgID string, args map[string]any) ([]byte, serviceAccount, error) {
		return nil, serviceAccount{}, providers.NewConfigError(fieldServiceAccount, msgID, args)
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		raw = []byte("{}")
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, serviceAccount{}, providers.NewConfigError("credentials", "err.json_object", nil)
	}
	key := []byte(strings.TrimSpace(c.ServiceAccount))
	switch {
	case len(key) == 0:
		return bad("err.required", nil)
	case len(key) > maxServiceAccountBytes:
		return bad("providers.err_file_size", map[string]any{"Max": maxServiceAccountBytes >> 10})
	}
	var sa serviceAccount
	if err := json.Unmarshal(key, &sa); err != nil {
		return bad("fcm.err.sa_json", nil)
	}
	if sa.Type != "" && sa.Type != "service_account" {
		return bad("fcm.err.sa_type", nil)
	}
	for _, f := range []struct{ name, v string }{
		{"project_id", sa.ProjectID}, {"client_email", sa.ClientEmail}, {"private_key", sa.PrivateKey}, {"token_uri", sa.TokenURI},
	} {
		if strings.TrimSpace(f.v) == "" {
			return bad("fcm.err.sa_missing", map[string]any{"Field": f.name})
		}
	}
	if !validProjectID(sa.ProjectID) {
		return bad("fcm.err.sa_project", nil)
	}
	// The signed assertion goes to token_uri: over plain HTTP anyone on the
	// path could replay it for an hour.
	if u, err := url.Parse(sa.TokenURI); err != nil || u.Scheme != "https" || u.Host == "" {
		return bad("fcm.err.sa_token_uri", nil)
	}
	if _, err := parseKey(sa.PrivateKey); err != nil {
		return bad("fcm.err.sa_key", nil)
	}
	return key, sa, nil
}

// parseKey reads the PEM private key the way the oauth2 library will (PKCS#8,
// or PKCS#1 as older files have it), so a broken key is refused when the
// account is saved rather than at the first send.
func parseKey(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errNoPEM
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, errNotRSA
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, err // x509's own error says what was wrong
	}
	return k, nil
}

// validProjectID accepts Google project ids (6–30 of [a-z0-9-], starting
// with a letter; a legacy domain-scoped "example.com:id" has a colon) and
// the numeric project number the API also takes. It goes into the request
// path, so nothing that could change the path is let through.
func validProjectID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for _, r := range id {
		ok := r == '-' || r == '.' || r == ':' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z')
		if !ok {
			return false
		}
	}
	return true
}

// keyError is a constant error about the private key.
type keyError string

func (e keyError) Error() string { return string(e) }

const (
	errNoPEM  keyError = "private_key holds no PEM block"
	errNotRSA keyError = "private_key is not an RSA key"
)
