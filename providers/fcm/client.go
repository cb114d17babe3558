package fcm

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// Kind is the fcm provider kind.
const Kind providers.Kind = "fcm"

// DefaultBaseURL is the FCM API root; the client appends
// /v1/projects/{project_id}/messages:send.
const DefaultBaseURL = "https://fcm.googleapis.com"

// MaxBatch is how many device tokens one engine batch carries. FCM v1 takes
// one token per request, so a batch is that many requests; 500 keeps a
// batch's calls within a few seconds at maxStreams and its outcomes one
// commit of the engine's writer.
const MaxBatch = 500

// maxStreams bounds the requests in flight for one account, whatever the
// number of engine workers sending its batches: they are multiplexed over
// the account's connPool HTTP/2 connections, each below the server's
// SETTINGS_MAX_CONCURRENT_STREAMS (100 is the usual announcement), past
// which Go's transport would open connections without limit. At FCM's
// usual 50–100 ms an answer, 100 streams carry
// 1,000–2,000 messages a second per account, a fifth of FCM's default
// quota; on a fast path the engine's account rate is the limit instead.
const maxStreams = 100

// connPool is how many HTTP/2 connections one account's messages share.
// Every stream of a connection takes the connection's one lock in Go's
// HTTP/2 client (to write, and again for each frame read), so a hundred
// streams on one connection spend their time waiting for it: measured on
// loopback, one connection carried ≈4,500 messages/s with the process's
// cores a third busy. Four connections of 25 streams each keep the lock
// uncontended; FCM's front ends take many connections from one sender.
const connPool = 4

// requestsPerSecond is the declared default rate of engine batches: FCM's
// default quota is 600,000 messages a minute per project (10,000/s), which
// is 20 batches of MaxBatch a second. The engine's adaptive rate learns
// the project's real quota from QUOTA_EXCEEDED answers.
const requestsPerSecond = 20

// callTimeout bounds one messages:send exchange; FCM answers in well under
// a second, and a batch must finish within the engine's lease.
const callTimeout = 10 * time.Second

// Client is one Firebase project's protocol client, safe for concurrent
// use. Its access token and its stream budget belong to it.
type Client struct {
	sendURL   string
	projectID string
	// conns are the transports messages go out on, each with its own
	// connection pool; next picks one in turn. Requests go straight to
	// them (providers.RoundTripper says why); call bounds each one.
	conns []http.RoundTripper
	next  atomic.Uint32
	log   *slog.Logger
	tok   *tokens
	hdr   atomic.Pointer[authHeaders]
	// streams is the semaphore of maxStreams requests in flight.
	streams chan struct{}
	// pause is the first wait before tokens are sent again when FCM gives
	// no Retry-After (tests shorten it).
	pause time.Duration
}

var _ providers.Provider = (*Client)(nil)

// Spec returns the registry entry for the fcm kind.
func Spec() providers.Spec {
	return providers.Spec{
		Kind:         Kind,
		New:          New,
		Capabilities: Capabilities(),
		Fields: []providers.CredentialField{
			{Name: "service_account", Secret: true, Required: true, Multiline: true, Accept: []string{".json"}},
		},
		DefaultBaseURL: DefaultBaseURL,
	}
}

// New builds a client from an account's configuration: the service-account
// key file is checked here (JSON, its fields, the key itself), so a bad
// one is a *providers.ConfigError naming credentials.service_account
// before anything is stored or sent.
func New(cfg providers.Config) (providers.Provider, error) {
	base, err := providers.BaseURL(cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	keyFile, sa, err := decodeCredentials(cfg.Credentials)
	if err != nil {
		return nil, err
	}
	hc := providers.HTTPClient(cfg.HTTPClient)
	tok, err := newTokens(keyFile, hc)
	if err != nil {
		return nil, providers.NewConfigError(fieldServiceAccount, "fcm.err.sa_json", nil)
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Client{
		sendURL:   base + "/v1/projects/" + url.PathEscape(sa.ProjectID) + "/messages:send",
		projectID: sa.ProjectID,
		conns:     connections(hc),
		log:       lg.With(slog.String("provider", string(Kind))),
		tok:       tok,
		streams:   make(chan struct{}, maxStreams),
		pause:     retryPause,
	}, nil
}

// connections returns connPool transports that share hc's settings but not
// its connections (a transport of another type, a test's, is shared as is).
func connections(hc *http.Client) []http.RoundTripper {
	out := make([]http.RoundTripper, connPool)
	rt := providers.RoundTripper(hc)
	tr, ok := rt.(*http.Transport)
	for i := range out {
		out[i] = rt
		if ok {
			out[i] = tr.Clone()
		}
	}
	return out
}

// Kind names the protocol.
func (c *Client) Kind() providers.Kind { return Kind }

// Capabilities implements providers.Provider with the package's Capabilities.
func (c *Client) Capabilities() providers.Capabilities { return Capabilities() }

// verifyTopic is the topic Verify validates a message to.
const verifyTopic = "pushdeck-verify"

// Verify proves the service account with a real call: a messages:send with
// validate_only to a topic, which FCM checks (token, project, permission)
// without delivering anything. A refusal is a *providers.Error with FCM's
// code and message.
func (c *Client) Verify(ctx context.Context) error {
	msg := &message{Topic: verifyTopic, Data: map[string]string{"pushdeck": "verify"}}
	body, err := json.Marshal(sendRequest{ValidateOnly: true, Message: msg})
	if err != nil {
		return fmt.Errorf("fcm: verify: encode: %w", err)
	}
	refresh := oneRefresh()
	for attempt := 0; attempt < 2; attempt++ {
		a := c.call(ctx, body, refresh)
		switch {
		case a.v == accepted:
			return nil
		case a.v == reauth && attempt == 0:
			continue // call dropped the token; one fresh one
		}
		return fmt.Errorf("fcm: verify: %w", a.error())
	}
	return nil // unreachable: the second attempt returns above
}

// Capabilities declares device-token lists (one request per token, MaxBatch
// to an engine batch), tags as topics when the operator asks, the mobile
// message types, and no idempotency: FCM recognises no repeated request.
func Capabilities() providers.Capabilities {
	return providers.Capabilities{
		Name: "Firebase Cloud Messaging",
		Fields: []string{providers.FieldImageURL, providers.FieldBadge, providers.FieldSound, providers.FieldExt,
			providers.FieldAndroidChannel, providers.FieldTTL},
		// FCM limits the whole payload (4 KB), not each text; these keep a
		// notification within it and readable on a lock screen.
		TextLimits: providers.MobileTextLimits(providers.TextLimits{Title: 200, Body: 1000, Intent: 500, Payload: 2000}, 3000),
		Audiences: map[providers.AudienceKind]int{
			providers.AudienceCID: MaxBatch,
			providers.AudienceTag: MaxTopics,
		},
		MessageTypes: []providers.MessageType{
			providers.TypeNotification, providers.TypeTransmission, providers.TypeLink, providers.TypeImage,
		},
		RequestsPerSecond: requestsPerSecond,
		// No request id and no de-duplication: a message sent again is
		// delivered again. The collapse key, tag and apns-collapse-id set
		// from the request id make the device replace it, not show two.
		Idempotency: providers.IdempotencyNone,
		Options:     optionFields(),
		Check:       check,
		CheckTags:   checkTags,
	}
}
