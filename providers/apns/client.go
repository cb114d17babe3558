package apns

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// Client is one APNs account's protocol client (one team key and one app).
// It is safe for concurrent use; the provider token is cached per Client.
type Client struct {
	base string
	acct account
	// rt carries the requests (providers.RoundTripper: no http.Client
	// bookkeeping per request).
	rt  http.RoundTripper
	log *slog.Logger
	// now is the clock of the provider token's age; tests replace it.
	now func() time.Time
	tok tokenCache
	// streams holds a slot per request in flight (maxStreams), shared by
	// every Send of the account.
	streams chan struct{}
	// sleep waits between in-call attempts; tests replace it.
	sleep func(ctx context.Context, d time.Duration) bool
	// warm is set once a request got an answer: a connection is up.
	warm atomic.Bool
}

var _ providers.Provider = (*Client)(nil)

// New builds a client from an account's configuration. It returns a
// *providers.ConfigError naming the offending fields when the credentials
// or the base URL are unusable. The environment picks the default root;
// a base URL replaces it (a private relay, or the tests' fake).
func New(cfg providers.Config) (providers.Provider, error) {
	acct, err := decodeCredentials(cfg.Credentials)
	if err != nil {
		return nil, err
	}
	def := ProductionURL
	if acct.env == EnvSandbox {
		def = SandboxURL
	}
	base, err := providers.BaseURL(cfg.BaseURL, def)
	if err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Client{
		base:    base,
		acct:    acct,
		rt:      providers.RoundTripper(providers.HTTPClient(cfg.HTTPClient)),
		log:     lg.With(slog.String("provider", string(Kind))),
		now:     time.Now,
		streams: make(chan struct{}, maxStreams),
		sleep:   sleepCtx,
	}, nil
}

// Kind names the protocol.
func (c *Client) Kind() providers.Kind { return Kind }

// Capabilities implements providers.Provider with the package's Capabilities.
func (c *Client) Capabilities() providers.Capabilities { return Capabilities() }

// verifyToken is a device token no device holds: 64 hex digits, so APNs
// checks the provider token and the topic first and then refuses the
// device as BadDeviceToken.
const verifyToken = "0000000000000000000000000000000000000000000000000000000000000000"

// Verify signs a provider token and sends a notification to a device token
// that is well formed but belongs to no device. APNs authenticates the
// token (key id, team id, signature) and checks the topic against the key
// before it looks at the device, so its BadDeviceToken answer proves the
// key, the team and the bundle id; nothing reaches any device. Any other
// answer is returned as the matching *providers.Error (403 for the key or
// team, 400 TopicDisallowed / BadTopic for the bundle id).
func (c *Client) Verify(ctx context.Context) error {
	body := []byte(`{"aps":{"content-available":1}}`)
	h := headers{pushType: "background", priority: "5", collapseID: "pushdeck-verify"}
	st := c.deliver(ctx, "pushdeck-verify", verifyToken, c.sharedHeaders(h), body)
	switch {
	case st.state == stateAccepted,
		st.state == stateInvalid && st.code == "BadDeviceToken":
		c.log.InfoContext(ctx, "apns verify: APNs accepted the provider token and the topic and refused only the dummy device token (BadDeviceToken): key, team and bundle id are right",
			slog.String("answer", st.code))
		return nil
	case st.state == stateInvalid:
		// Another device refusal (DeviceTokenNotForTopic, Unregistered)
		// still came after the token and topic checks.
		return nil
	}
	return fmt.Errorf("apns: verify: %w", st.asError())
}

// sleepCtx waits d or until ctx ends; false when ctx ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// validDeviceToken reports whether a device token can be put in the
// request path: hex digits, an even count, 64 (today's tokens) to 200.
func validDeviceToken(t string) bool {
	if len(t) < 64 || len(t) > 200 || len(t)%2 != 0 {
		return false
	}
	return strings.IndexFunc(t, func(r rune) bool {
		return (r < '0' || r > '9') && (r < 'a' || r > 'f') && (r < 'A' || r > 'F')
	}) < 0
}
