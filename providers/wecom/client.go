package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// providerName is the provider's proper name, in messages to operators.
const providerName = "WeCom"

// DefaultBaseURL is the public WeCom API root; the client appends
// /cgi-bin/gettoken and /cgi-bin/message/{send,recall,get_statistics}.
const DefaultBaseURL = "https://qyapi.weixin.qq.com"

// Batch limits of message/send: users, departments and tags per call.
const (
	MaxUsers   = 1000
	MaxParties = 100
	MaxTags    = 100
)

// requestsPerSecond is the declared default request rate. WeCom's documented
// base limits (10 000 calls/min per corp and API) do not bind message/send;
// the real constraint is the silent per-member drop above, which a request
// rate cannot express, so this stays low and the engine paces members.
const requestsPerSecond = 5

// Client is one WeCom application's protocol client. It is safe for
// concurrent use; the access token is cached per Client.
type Client struct {
	base       string
	corpID     string
	corpSecret string
	agentID    int64
	http       *http.Client
	log        *slog.Logger
	// now is the clock used for token expiry; tests replace it.
	now func() time.Time
	tok tokenCache
}

var (
	_ providers.Provider = (*Client)(nil)
	_ providers.Recaller = (*Client)(nil)
)

// credentials is the decoded credentials object of a wecom account.
type credentials struct {
	CorpID     string          `json:"corp_id"`
	CorpSecret string          `json:"corp_secret"`
	AgentID    json.RawMessage `json:"agent_id"`
}

// Spec returns the registry entry for the wecom kind.
func Spec() providers.Spec {
	return providers.Spec{
		Kind:         providers.KindWeCom,
		New:          New,
		Capabilities: Capabilities(),
		Fields: []providers.CredentialField{
			{Name: "corp_id", Required: true},
			{Name: "corp_secret", Secret: true, Required: true},
			{Name: "agent_id", Required: true, Integer: true},
		},
		DefaultBaseURL: DefaultBaseURL,
	}
}

// New builds a client from an account's configuration. It returns a
// *providers.ConfigError naming the offending fields when the credentials
// or the base URL are unusable.
func New(cfg providers.Config) (providers.Provider, error) {
	base, err := providers.BaseURL(cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	creds, agentID, err := decodeCredentials(cfg.Credentials)
	if err != nil {
		return nil, err
	}
	hc := providers.HTTPClient(cfg.HTTPClient)
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Client{
		base:       base,
		corpID:     creds.CorpID,
		corpSecret: creds.CorpSecret,
		agentID:    agentID,
		http:       hc,
		log:        lg.With(slog.String("provider", string(providers.KindWeCom))),
		now:        time.Now,
	}, nil
}

// decodeCredentials validates {corp_id, corp_secret, agent_id}. agent_id must
// be a JSON integer: a string or a fractional number is refused rather than
// coerced, so a typo in the console cannot silently address another app.
func decodeCredentials(raw json.RawMessage) (credentials, int64, error) {
	var c credentials
	ce := &providers.ConfigError{}
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = []byte("{}")
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, 0, providers.NewConfigError("credentials", "err.json_object", nil)
	}
	if strings.TrimSpace(c.CorpID) == "" {
		ce.Add("credentials.corp_id", "err.required", nil)
	}
	if strings.TrimSpace(c.CorpSecret) == "" {
		ce.Add("credentials.corp_secret", "err.required", nil)
	}
	agentID, msgID := parseAgentID(c.AgentID)
	if msgID != "" {
		ce.Add("credentials.agent_id", msgID, nil)
	}
	if err := ce.Err(); err != nil {
		return c, 0, err
	}
	return c, agentID, nil
}

// parseAgentID accepts a positive JSON integer; anything else is refused
// with the catalog id saying why.
func parseAgentID(raw json.RawMessage) (int64, string) {
	s := string(bytes.TrimSpace(raw))
	switch {
	case s == "" || s == "null":
		return 0, "err.required"
	case strings.HasPrefix(s, `"`), strings.ContainsAny(s, ".eE"):
		return 0, "err.integer"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, "err.integer"
	}
	if n <= 0 {
		return 0, "providers.err_positive"
	}
	return n, ""
}

// Kind names the protocol.
func (c *Client) Kind() providers.Kind { return providers.KindWeCom }

// Capabilities implements providers.Provider with the package's Capabilities.
func (c *Client) Capabilities() providers.Capabilities { return Capabilities() }

// Verify proves the credentials with a real gettoken call (bypassing the
// cache). A refusal is a Permanent *providers.Error carrying WeCom's errcode
// (e.g. 40001 for a bad secret) and errmsg.
func (c *Client) Verify(ctx context.Context) error {
	if _, err := c.accessToken(ctx, true); err != nil {
		return fmt.Errorf("wecom: verify: %w", err)
	}
	return nil
}

// recallRequest is the body of message/recall.
type recallRequest struct {
	MsgID string `json:"msgid"`
}

// Recall withdraws a message by the msgid message/send returned (the
// Result.TaskID). WeCom only recalls messages of the same app sent within
// the last 24 hours (42052 otherwise); failures are *providers.Error.
func (c *Client) Recall(ctx context.Context, taskID string) error {
	if strings.TrimSpace(taskID) == "" {
		return fmt.Errorf("wecom: recall: %w", refuse("40058", "msgid is required"))
	}
	body, err := json.Marshal(recallRequest{MsgID: taskID})
	if err != nil {
		return fmt.Errorf("wecom: recall: encode: %w", err)
	}
	_, env, err := c.authedPost(ctx, "/cgi-bin/message/recall", body)
	if err != nil {
		return fmt.Errorf("wecom: recall: %w", err)
	}
	if code := *env.ErrCode; code != 0 {
		return fmt.Errorf("wecom: recall: %w", codeError(code, env.ErrMsg))
	}
	c.log.DebugContext(ctx, "wecom recall", slog.String("msgid", taskID))
	return nil
}

// refuse is a Permanent error for a request the client will not send.
func refuse(code, msg string) *providers.Error {
	return &providers.Error{Class: providers.Permanent, Code: code, Msg: msg + " (refused before sending)"}
}

// asProviderError reports whether err carries a *providers.Error.
func asProviderError(err error) (*providers.Error, bool) {
	var pe *providers.Error
	ok := errors.As(err, &pe)
	return pe, ok
}

// Capabilities declares touser/toparty/totag addressing and the four
// supported message types. cid, user_id and alias all mean a WeCom userid.
func Capabilities() providers.Capabilities {
	return providers.Capabilities{
		Name: providerName,
		// App messages have none of the mobile fields.
		Fields:     []string{providers.FieldWeCom},
		TextLimits: textLimits(),
		// The app message types' texts, tap action and options.
		Normalize: normalize,
		Check:     check,
		Audiences: map[providers.AudienceKind]int{
			providers.AudienceAll:    0,
			providers.AudienceCID:    MaxUsers,
			providers.AudienceUserID: MaxUsers,
			providers.AudienceAlias:  MaxUsers,
			providers.AudienceParty:  MaxParties,
			providers.AudienceTag:    MaxTags,
		},
		MessageTypes: []providers.MessageType{
			providers.TypeText, providers.TypeTextCard, providers.TypeMarkdown, providers.TypeNews,
		},
		RequestsPerSecond: requestsPerSecond,
		// No request id: enable_duplicate_check drops the same request
		// JSON within duplicate_check_interval, at most 4 hours.
		Idempotency:  providers.IdempotencyDedupeWindow,
		DedupeWindow: MaxDuplicateCheckInterval * time.Second,
		// message/get_statistics: one figure per app and day.
		DailyAppStats: true,
	}
}

// textLimits are WeCom's, in bytes: text and markdown content ≤ 2048,
// textcard title ≤ 128 and description ≤ 512; a news message's texts are
// its articles'.
func textLimits() map[providers.MessageType]providers.TextLimits {
	return map[providers.MessageType]providers.TextLimits{
		providers.TypeText:     {Bytes: true, Body: MaxContentBytes},
		providers.TypeMarkdown: {Bytes: true, Body: MaxContentBytes},
		providers.TypeTextCard: {Bytes: true, Title: maxTitleBytes, Body: maxDescriptionBytes},
		providers.TypeNews:     {Bytes: true},
	}
}
