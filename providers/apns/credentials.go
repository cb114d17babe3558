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
		return account{}, &providers.ConfigError{Fields: map[string]string{
			"credentials": "must be a JSON object with team_id, key_id, private_key, bundle_id and environment"}}
	}
	fields := map[string]string{}
	a := account{
		teamID:   strings.TrimSpace(c.TeamID),
		keyID:    strings.TrimSpace(c.KeyID),
		bundleID: strings.TrimSpace(c.BundleID),
		env:      strings.TrimSpace(c.Environment),
	}
	for name, v := range map[string]string{"team_id": a.teamID, "key_id": a.keyID} {
		if msg := checkID(v); msg != "" {
			fields["credentials."+name] = msg
		}
	}
	if msg := checkBundleID(a.bundleID); msg != "" {
		fields["credentials.bundle_id"] = msg
	}
	switch a.env {
	case "":
		a.env = EnvProduction
	case EnvProduction, EnvSandbox:
	default:
		fields["credentials.environment"] = "must be production or sandbox"
	}
	key, msg := parseKey(c.PrivateKey)
	if msg != "" {
		fields["credentials.private_key"] = msg
	}
	a.key = key
	if len(fields) > 0 {
		return account{}, &providers.ConfigError{Fields: fields}
	}
	return a, nil
}

// checkID explains what is wrong with a team or key id, or returns "".
func checkID(v string) string {
	if v == "" {
		return "is required"
	}
	if len(v) != idLen {
		return "must be exactly 10 characters (as shown in the Apple developer account)"
	}
	for _, r := range v {
		if (r < '0' || r > '9') && (r < 'A' || r > 'Z') {
			return "must be 10 upper-case letters and digits"
		}
	}
	return ""
}

// checkBundleID accepts a reverse-DNS bundle id, optionally with one of
// the suffixes APNs topics carry (".voip", ".complication"…): letters,
// digits, dots and hyphens, at most 255 bytes, dot-separated.
func checkBundleID(v string) string {
	if v == "" {
		return "is required"
	}
	if len(v) > 255 || !strings.Contains(v, ".") || strings.HasPrefix(v, ".") || strings.HasSuffix(v, ".") {
		return "must be the app's bundle id, e.g. com.example.app"
	}
	for _, r := range v {
		ok := r == '.' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return "must be the app's bundle id, e.g. com.example.app"
		}
	}
	return ""
}

// parseKey reads the .p8 file's PEM: a PKCS#8 EC private key on P-256,
// the only key APNs' ES256 tokens accept.
func parseKey(p string) (*ecdsa.PrivateKey, string) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return nil, "is required"
	case len(p) > maxKeyBytes:
		return nil, "is too long for a .p8 key file"
	}
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, "must be the PEM text of the .p8 key file (-----BEGIN PRIVATE KEY-----)"
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if k, ecErr := x509.ParseECPrivateKey(block.Bytes); ecErr == nil {
			parsed = k
		} else {
			return nil, "is not a readable private key (PKCS#8 PEM expected)"
		}
	}
	k, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, "must be an EC P-256 key (APNs signs tokens with ES256)"
	}
	return k, ""
}
