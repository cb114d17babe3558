package getui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// providerName is the provider's proper name, in messages to operators.
const providerName = "GeTui"

// DefaultBaseURL is the public GeTui REST root; the client appends
// /v2/{app_id}/... to it.
const DefaultBaseURL = "https://restapi.getui.com"

// Limits declared in Capabilities and enforced before any HTTP call.
const (
	// MaxListRecipients is the largest cid or alias list of one
	// /push/list/cid or /push/list/alias call.
	MaxListRecipients = 1000
	// MaxBatchSingle is the largest msg_list of /push/single/batch/cid [S].
	MaxBatchSingle = 200
	// MaxTags is the largest number of custom tags (or condition values) of
	// one /push/tag call. GeTui answers 30016 past its limit, which is not
	// documented [I].
	MaxTags = 100
)

// credentials is the decoded credentials object of a getui account.
type credentials struct {
	AppID        string `json:"app_id"`
	AppKey       string `json:"app_key"`
	MasterSecret string `json:"master_secret"`
}

// Client is one GeTui account's protocol client. It is safe for concurrent
// use; the access token is cached per Client.
type Client struct {
	base   string // {base_url}/v2/{app_id}
	creds  credentials
	http   *http.Client
	log    *slog.Logger
	now    func() time.Time
	tokens tokenCache

	// tasks remembers, per list push request id, the task its message
	// got and whether a push of it went unanswered, so a retry pushes the
	// same task and never a second one (liststate.go).
	tasksMu sync.Mutex
	tasks   listStates
}

var _ providers.Provider = (*Client)(nil)
var _ providers.Reporter = (*Client)(nil)
var _ providers.GroupReporter = (*Client)(nil)

// Spec returns the registry entry for the getui kind.
func Spec() providers.Spec {
	return providers.Spec{
		Kind:         providers.KindGeTui,
		New:          New,
		Capabilities: Capabilities(),
		Fields: []providers.CredentialField{
			{Name: "app_id", Required: true},
			{Name: "app_key", Required: true, Secret: true},
			{Name: "master_secret", Required: true, Secret: true},
		},
		DefaultBaseURL: DefaultBaseURL,
	}
}

// New builds a client from an account's configuration. It returns a
// *providers.ConfigError naming the offending field when the credentials or
// the base URL are unusable.
func New(cfg providers.Config) (providers.Provider, error) {
	creds, err := decodeCredentials(cfg.Credentials)
	if err != nil {
		return nil, err
	}
	base, err := providers.BaseURL(cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	hc := providers.HTTPClient(cfg.HTTPClient)
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Client{
		base:  base + "/v2/" + creds.AppID,
		creds: creds,
		http:  hc,
		log:   lg.With(slog.String("provider", string(providers.KindGeTui)), slog.String("app_id", creds.AppID)),
		now:   time.Now,
		tasks: listStates{max: maxListStates},
	}, nil
}

func decodeCredentials(raw json.RawMessage) (credentials, error) {
	var c credentials
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return c, providers.NewConfigError("credentials."+te.Field, "err.not_string", nil)
		}
		return c, providers.NewConfigError("credentials", "err.json_object", nil)
	}
	ce := &providers.ConfigError{}
	check := func(name, v string) {
		if strings.TrimSpace(v) == "" {
			ce.Add("credentials."+name, "err.required", nil)
		}
	}
	check("app_id", c.AppID)
	check("app_key", c.AppKey)
	check("master_secret", c.MasterSecret)
	if c.AppID != "" && !validName(c.AppID, 64) {
		// The app id becomes a path segment of every URL.
		ce.Add("credentials.app_id", "providers.err_app_id", map[string]any{"Max": 64})
	}
	return c, ce.Err()
}

// validName reports whether s is 1..max characters of [0-9A-Za-z_-].
func validName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// Kind names the protocol.
func (c *Client) Kind() providers.Kind { return providers.KindGeTui }

// Capabilities implements providers.Provider with the package's Capabilities.
func (c *Client) Capabilities() providers.Capabilities { return Capabilities() }

// Verify proves the credentials with a fresh auth call and caches the token
// it returns. A refusal is a Permanent *providers.Error carrying GeTui's code
// and message.
func (c *Client) Verify(ctx context.Context) error {
	if _, err := c.refreshToken(ctx, "", true); err != nil {
		return err
	}
	return nil
}

// permanent builds a Permanent error for a request the client refuses
// before any HTTP call.
func permanent(code, format string, args ...any) *providers.Error {
	return &providers.Error{Class: providers.Permanent, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Capabilities declares GeTui's native audiences: all (push/all), tag
// (custom tags through push/tag), conditions (push/tag clauses), cid and
// alias lists (list push, ≤1000 a call).
func Capabilities() providers.Capabilities {
	return providers.Capabilities{
		// setDuration takes both ends and a window over six minutes.
		ShowWindow: providers.ShowWindowRule{BothEnds: true, Longer: 6 * time.Minute},
		// big_text and big_image are alternatives of the notification style.
		BigTextNoImage: true,
		Name:           providerName,
		// The iOS block has no mutable-content key; offline TTL, wifi-only
		// and the speed hint are GeTui's own.
		Fields: append(providers.MobileFields(), providers.FieldWifiOnly, providers.FieldSpeedHint, providers.FieldTTL),
		// ups.options constraints, honor as HO.
		VendorKeys: []string{"huawei", "xiaomi", "oppo", "vivo", "flyme", "fcm", "honor"},
		TextLimits: textLimits(),
		Audiences: map[providers.AudienceKind]int{
			providers.AudienceAll: 0,
			providers.AudienceTag: MaxTags,
			// Conditions carry clauses, not Values; their total number of
			// values is bounded by MaxTags inside Send.
			providers.AudienceConditions: 0,
			providers.AudienceCID:        MaxListRecipients,
			providers.AudienceAlias:      MaxListRecipients,
		},
		MessageTypes: []providers.MessageType{
			providers.TypeNotification, providers.TypeTransmission,
			providers.TypeLink, providers.TypeImage,
		},
		// GeTui publishes no per-second limit for single/list pushes; the
		// per-minute quotas (10005, 30015) make a modest rate the safe
		// default [I]. Broadcasts have their own 5/min quota (30014).
		RequestsPerSecond: 10,
		ReportsClicks:     true,
		// A repeated request_id is not pushed again.
		Idempotency: providers.IdempotencyRequestID,
	}
}

// textLimits are GeTui's message texts in characters: notification title
// ≤ 50, body ≤ 256, big text ≤ 512, transmission ≤ 3072, click intent ≤ 4096
// and payload ≤ 3072.
func textLimits() map[providers.MessageType]providers.TextLimits {
	return providers.MobileTextLimits(providers.TextLimits{Title: 50, Body: 256, BigText: 512, Intent: 4096, Payload: 3072}, 3072)
}
