package mxpush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/pushdeck/pushdeck/providers"
)

// providerName is the provider's proper name, in messages to operators.
const providerName = "MX push"

// MaxTargets is the longest tag, alias, user_id or push_token list one
// /push/notify call may carry ("列表长度不能超过500": more is code 12005).
const MaxTargets = 500

// maxResponse bounds how much of a response body is read.
const maxResponse = 4 << 20

// Client is one MX push app's protocol client. It is safe for concurrent
// use. The access-token is a static console token, so there is no token
// cache to refresh: every call sends the configured token.
type Client struct {
	base  string
	creds credentials
	http  *http.Client
	log   *slog.Logger
	// hdr holds the header values every call sends, made once: request
	// header maps share them and only read them.
	hdr headerValues
}

// headerValues are the values of a call's header fields.
type headerValues struct {
	json, appID, token []string
}

// credentials is the decoded credentials object {app_id, access_token}.
type credentials struct {
	AppID       string
	AccessToken string
}

// LogValue keeps the token out of logs.
func (c credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("app_id", c.AppID), slog.String("access_token", "[REDACTED]"))
}

// Spec describes the mxpush kind for the registry. MX push has no public
// endpoint: each app has its own api_endpoint, so the base URL is required.
func Spec() providers.Spec {
	return providers.Spec{
		Kind:         providers.KindMXPush,
		New:          New,
		Capabilities: Capabilities(),
		Fields: []providers.CredentialField{
			{Name: "app_id", Required: true},
			{Name: "access_token", Secret: true, Required: true},
		},
		DefaultBaseURL:  "",
		BaseURLRequired: true,
	}
}

// New builds a client from an account's configuration. It returns a
// *providers.ConfigError naming base_url or credentials.<field> when they
// are unusable.
func New(cfg providers.Config) (providers.Provider, error) {
	ce := &providers.ConfigError{}
	base, err := providers.BaseURL(cfg.BaseURL, "")
	if err != nil {
		var bad *providers.ConfigError
		if !errors.As(err, &bad) {
			return nil, fmt.Errorf("mxpush: base url: %w", err)
		}
		ce.Problems = append(ce.Problems, bad.Problems...)
	}
	creds := decodeCredentials(cfg.Credentials, ce)
	if err := ce.Err(); err != nil {
		return nil, err
	}
	hc := providers.HTTPClient(cfg.HTTPClient)
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Client{base: base, creds: creds, http: hc, log: lg.With(slog.String("provider", string(providers.KindMXPush))),
		hdr: headerValues{json: []string{"application/json"}, appID: []string{creds.AppID}, token: []string{creds.AccessToken}}}, nil
}

// decodeCredentials reads {app_id, access_token}, recording problems in
// fields. Both are required strings; they travel as HTTP headers, so
// control characters are refused.
func decodeCredentials(raw json.RawMessage, ce *providers.ConfigError) credentials {
	var obj map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &obj) != nil || obj == nil {
		ce.Add("credentials", "err.json_object", nil)
		return credentials{}
	}
	var c credentials
	c.AppID = providers.CredentialString(obj, "app_id", maxCredentialBytes, ce)
	c.AccessToken = providers.CredentialString(obj, "access_token", maxCredentialBytes, ce)
	return c
}

// maxCredentialBytes bounds the app id and the access token (MX push's
// tokens are a few dozen characters; the bound keeps a pasted file out).
const maxCredentialBytes = 4096

// Kind returns providers.KindMXPush.
func (c *Client) Kind() providers.Kind { return providers.KindMXPush }

// Capabilities implements providers.Provider with the package's Capabilities.
func (c *Client) Capabilities() providers.Capabilities { return Capabilities() }

// call performs one API request and returns the envelope's data on
// code 200. Every failure is a *providers.Error.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in any) (json.RawMessage, error) {
	op := method + " " + path
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, &providers.Error{Class: providers.Permanent, Code: "invalid_request", Msg: "cannot encode request", Err: fmt.Errorf("mxpush: %s: %w", op, err)}
		}
		body = bytes.NewReader(b)
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &providers.Error{Class: providers.Permanent, Code: "invalid_request", Msg: "cannot build request", Err: fmt.Errorf("mxpush: %s: %w", op, err)}
	}
	// The header is built in its canonical form directly: a personalized
	// send makes one call per recipient, and Set canonicalizes every key
	// every time.
	req.Header = http.Header{"Accept": c.hdr.json, "App_id": c.hdr.appID, "Access-Token": c.hdr.token}
	if in != nil {
		req.Header["Content-Type"] = c.hdr.json
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, providers.TransportError(ctx, providerName, fmt.Errorf("mxpush: %s: %w", op, err))
	}
	defer func() { _ = resp.Body.Close() }() // nothing useful to do with a close error
	raw, err := readBody(resp)
	if err != nil {
		return nil, providers.TransportError(ctx, providerName, fmt.Errorf("mxpush: %s: %w", op, err))
	}
	if resp.StatusCode == http.StatusOK {
		if data, ok := plainOK(raw); ok {
			c.log.DebugContext(ctx, "mxpush call", slog.String("op", op), slog.Int("status", resp.StatusCode), slog.Int("code", codeOK))
			return data, nil
		}
	}
	var env envelope
	decErr := json.Unmarshal(raw, &env)
	c.log.DebugContext(ctx, "mxpush call", slog.String("op", op), slog.Int("status", resp.StatusCode), slog.Int("code", env.Code))
	if resp.StatusCode != http.StatusOK {
		var ep *envelope
		if decErr == nil {
			ep = &env
		}
		return nil, httpError(resp, ep)
	}
	if decErr != nil {
		return nil, badResponse(op, decErr)
	}
	if env.Code != codeOK {
		if env.Code == 0 {
			return nil, badResponse(op, fmt.Errorf("response has no code"))
		}
		return nil, codeError(env.Code, env.Message)
	}
	return env.Data, nil
}

// Capabilities declares the native audiences (all, tag and four recipient
// lists of at most 500; a cid is sent as a push_token) and message types.
func Capabilities() providers.Capabilities {
	return providers.Capabilities{
		// Image attachments are jpg, jpeg or png, judged by the URL.
		ImageExts: []string{".jpg", ".jpeg", ".png"},
		// No payload action for a displayed message.
		NoPayloadClick: true,
		Name:           providerName,
		// No offline TTL or wifi-only flag; iOS mutable content and the
		// distribution settings are MX push's own.
		Fields: append(providers.MobileFields(), providers.FieldMutableContent, providers.FieldMX),
		// A block for each vendor but honor.
		VendorKeys: []string{"huawei", "xiaomi", "oppo", "vivo", "flyme", "fcm"},
		TextLimits: textLimits(),
		// The distribution strategy is a drop-down of the server's values.
		FieldChoices: map[string][]string{fieldStrategy: strategies()},
		// The settings, the vendor blocks' fields and the intent-URI click.
		Check: check,
		Audiences: map[providers.AudienceKind]int{
			providers.AudienceAll:       0,
			providers.AudienceTag:       MaxTargets,
			providers.AudienceAlias:     MaxTargets,
			providers.AudienceUserID:    MaxTargets,
			providers.AudiencePushToken: MaxTargets,
			providers.AudienceCID:       MaxTargets,
		},
		MessageTypes: []providers.MessageType{
			providers.TypeNotification, providers.TypeImage,
			providers.TypeTransmission, providers.TypeLink,
		},
		// MX push documents no rate limit [I]; a modest default.
		RequestsPerSecond: 10,
		// A repeated setting.request_id is not pushed again.
		Idempotency: providers.IdempotencyRequestID,
	}
}

// textLimits are generous bounds that keep requests sane: MX push
// documents no text limits.
func textLimits() map[providers.MessageType]providers.TextLimits {
	return providers.MobileTextLimits(providers.TextLimits{Title: 100, Body: 1000, BigText: 4096, Intent: 4096, Payload: 4096}, 4096)
}
