package apns

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// Environments an account may name, each with its APNs root.
const (
	EnvProduction = "production"
	EnvSandbox    = "sandbox"

	ProductionURL = "https://api.push.apple.com"
	SandboxURL    = "https://api.sandbox.push.apple.com"
)

// idLen is the length of a team id and of a key id: Apple issues both as
// 10 characters, and a token naming anything else is refused on every call.
const idLen = 10

// maxKeyBytes bounds the private_key field: a .p8 file is about 250 bytes.
const maxKeyBytes = 8 << 10

// credentials is the decoded credentials object of an apns account.
type credentials struct {
	TeamID      string `json:"team_id"`
	KeyID       string `json:"key_id"`
	PrivateKey  string `json:"private_key"`
	BundleID    string `json:"bundle_id"`
	Environment string `json:"environment"`
}

// account is a validated credentials object.
type account struct {
	teamID, keyID, bundleID, env string
	key                          *ecdsa.PrivateKey
}

// credentialFields describes the credentials form: the key is the .p8 file
// Apple hands out once, so the form offers to read it from disk.
func credentialFields() []providers.CredentialField {
	return []providers.CredentialField{
		{Name: "team_id", Required: true},
		{Name: "key_id", Required: true},
		{Name: "private_key", Secret: true, Required: true, Multiline: true, Accept: []string{".p8"}},
		{Name: "bundle_id", Required: true},
		{Name: "environment", Choices: []string{EnvProduction, EnvSandbox}},
	}
}

// decodeCredentials validates {team_id, key_id, private_key, bundle_id,
// environment}. Every bad field is named at once, so the operator fixes the
// form in one round; a key that parses but is not P-256 is refused here
// rather than on the first send, where APNs would only say the token is
// invalid.
func decodeCredentials(raw json.RawMessage) (account, error) {
	var c credentials
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		raw = []byte("{}")
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return account{}, providers.NewConfigError("credentials", "err.json_object", nil)
	}
	ce := &providers.ConfigError{}
	a := account{
		teamID:   strings.TrimSpace(c.TeamID),
		keyID:    strings.TrimSpace(c.KeyID),
		bundleID: strings.TrimSpace(c.BundleID),
		env:      strings.TrimSpace(c.Environment),
	}
	for name, v := range map[string]string{"team_id": a.teamID, "key_id": a.keyID} {
		if id := checkID(v); id != "" {
			ce.Add("credentials."+name, id, nil)
		}
	}
	if id := checkBundleID(a.bundleID); id != "" {
		ce.Add("credentials.bundle_id", id, nil)
	}
	switch a.env {
	case "":
		a.env = EnvProduction
	case EnvProduction, EnvSandbox:
	default:
		ce.Add("credentials.environment", "err.choice", nil)
	}
	key, id := parseKey(c.PrivateKey)
	if id != "" {
		ce.Add("credentials.private_key", id, nil)
	}
	a.key = key
	if err := ce.Err(); err != nil {
		return account{}, err
	}
	return a, nil
}

// checkID returns the catalog id of what is wrong with a team or key id
// (10 upper-case letters and digits, as the Apple developer account shows
// them), or "".
func checkID(v string) string {
	if v == "" {
		return "err.required"
	}
	if len(v) != idLen {
		return "providers.err_apple_id"
	}
	for _, r := range v {
		if (r < '0' || r > '9') && (r < 'A' || r > 'Z') {
			return "providers.err_apple_id"
		}
	}
	return ""
}

// checkBundleID accepts a reverse-DNS bundle id, optionally with one of
// the suffixes APNs topics carry (".voip", ".complication"…): letters,
// digits, dots and hyphens, at most 255 bytes, dot-separated.
func checkBundleID(v string) string {
	if v == "" {
		return "err.required"
	}
	if len(v) > 255 || !strings.Contains(v, ".") || strings.HasPrefix(v, ".") || strings.HasSuffix(v, ".") {
		return "providers.err_bundle_id"
	}
	for _, r := range v {
		ok := r == '.' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return "providers.err_bundle_id"
		}
	}
	return ""
}

// parseKey reads the .p8 file's PEM: a PKCS#8 EC private key on P-256,
// the only key APNs' ES256 tokens accept. A refusal is a catalog id.
func parseKey(p string) (*ecdsa.PrivateKey, string) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return nil, "err.required"
	case len(p) > maxKeyBytes:
		return nil, "providers.err_key_pem"
	}
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, "providers.err_key_pem"
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if k, ecErr := x509.ParseECPrivateKey(block.Bytes); ecErr == nil {
			parsed = k
		} else {
			return nil, "providers.err_key_pem"
		}
	}
	k, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, "providers.err_key_p256"
	}
	return k, ""
}
