package jpush

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// Kind names the JPush protocol (the `kind` of a provider account).
const Kind providers.Kind = "jpush"

// Default roots of the two JPush hosts. An account's base_url replaces both.
const (
	DefaultBaseURL   = "https://api.jpush.cn"
	DefaultReportURL = "https://report.jpush.cn"
)

// Client is one JPush app's protocol client. It is safe for concurrent use.
// Credentials are static (Basic auth), so there is no token to refresh;
// what it caches are cids (cid.go) and the last rate-limit figures.
type Client struct {
	pushBase   string
	reportBase string
	auth       string // the Authorization header value
	appKey     string
	http       *http.Client
	log        *slog.Logger
	now        func() time.Time

	mu    sync.Mutex
	cids  cidState
	quota Quota
}

var (
	_ providers.Provider  = (*Client)(nil)
	_ providers.Reporter  = (*Client)(nil)
	_ providers.KeyIssuer = (*Client)(nil)
)

// credentials is the decoded credentials object {app_key, master_secret}.
type credentials struct {
	AppKey       string
	MasterSecret string
}

// LogValue keeps the master secret out of logs.
func (c credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("app_key", c.AppKey), slog.String("master_secret", "[REDACTED]"))
}

// Spec describes the jpush kind for the registry.
func Spec() providers.Spec {
	return providers.Spec{
		Kind:         Kind,
		New:          New,
		Capabilities: Capabilities(),
		Fields: []providers.CredentialField{
			{Name: "app_key", Required: true},
			{Name: "master_secret", Required: true, Secret: true},
		},
		DefaultBaseURL: DefaultBaseURL,
	}
}

// New builds a client from an account's configuration. It returns a
// *providers.ConfigError naming base_url or credentials.<field> when they
// are unusable.
func New(cfg providers.Config) (providers.Provider, error) {
	ce := &providers.ConfigError{}
	pushBase, reportBase := DefaultBaseURL, DefaultReportURL
	if strings.TrimSpace(cfg.BaseURL) != "" {
		b, err := providers.BaseURL(cfg.BaseURL, DefaultBaseURL)
		if err != nil {
			return nil, err
		}
		// One root for both hosts: how a private deployment or a fake
		// serves them.
		pushBase, reportBase = b, b
	}
	creds := decodeCredentials(cfg.Credentials, ce)
	if err := ce.Err(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Client{
		pushBase:   pushBase,
		reportBase: reportBase,
		auth:       "Basic " + base64.StdEncoding.EncodeToString([]byte(creds.AppKey+":"+creds.MasterSecret)),
		appKey:     creds.AppKey,
		http:       providers.HTTPClient(cfg.HTTPClient),
		log:        lg.With(slog.String("provider", string(Kind)), slog.String("app_key", creds.AppKey)),
		now:        time.Now,
		cids:       cidState{max: maxRemembered},
	}, nil
}

// decodeCredentials reads {app_key, master_secret}, recording problems in
// fields. Both are required strings; the app key may not hold a colon (it
// ends the Basic-auth user name) and neither may hold control characters.
func decodeCredentials(raw json.RawMessage, ce *providers.ConfigError) credentials {
	var obj map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &obj) != nil || obj == nil {
		ce.Add("credentials", "err.json_object", nil)
		return credentials{}
	}
	c := credentials{AppKey: providers.CredentialString(obj, "app_key", maxCredentialBytes, ce),
		MasterSecret: providers.CredentialString(obj, "master_secret", maxCredentialBytes, ce)}
	if strings.Contains(c.AppKey, ":") {
		// The key and secret are joined by ':' in the Basic auth header.
		ce.Add("credentials.app_key", "providers.err_no_colon", nil)
	}
	return c
}

// maxCredentialBytes bounds the app key and the master secret.
const maxCredentialBytes = 256

// Kind returns Kind.
func (c *Client) Kind() providers.Kind { return Kind }

// Capabilities implements providers.Provider with the package's Capabilities.
func (c *Client) Capabilities() providers.Capabilities { return Capabilities() }

// Verify proves the credentials by asking for one cid (GET /v3/push/cid),
// which sends nothing. The cid is kept for a later push. A refusal is a
// *providers.Error carrying JPush's code and message.
func (c *Client) Verify(ctx context.Context) error {
	cids, err := c.fetchCIDs(ctx, 1)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.cids.addPool(cids, c.now())
	c.mu.Unlock()
	return nil
}
