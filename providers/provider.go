// Package providers defines the interface every push provider client implements
// and the types the campaign engine hands to it. Sub-packages (getui, mxpush,
// wecom, sandbox) are protocol clients; providertest holds fake servers that
// speak each protocol for tests.
//
// A provider never reaches into the database: the engine gives it one message
// and one target (a broadcast or a batch of recipients) with a request id, and
// records what comes back.
package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Kind names a provider protocol. The values are part of the external contract
// (the `kind` of a provider account).
type Kind string

// The provider kinds pushdeck speaks.
const (
	KindSandbox Kind = "sandbox"
	KindGeTui   Kind = "getui"
	KindMXPush  Kind = "mxpush"
	KindWeCom   Kind = "wecom"
)

// AudienceKind is how a send addresses its recipients.
type AudienceKind string

// Audience kinds. The list kinds (alias, cid, user_id, push_token) carry
// explicit recipients; all, tag and conditions are broadcasts the provider
// resolves itself.
const (
	AudienceAll        AudienceKind = "all"
	AudienceTag        AudienceKind = "tag"
	AudienceConditions AudienceKind = "conditions"
	AudienceAlias      AudienceKind = "alias"
	AudienceCID        AudienceKind = "cid"
	AudienceUserID     AudienceKind = "user_id"
	AudiencePushToken  AudienceKind = "push_token"
	// AudienceParty is WeCom's department list (toparty).
	AudienceParty AudienceKind = "party"
)

// IsList reports whether the kind carries explicit recipients, each of which
// ends with its own outcome.
func (k AudienceKind) IsList() bool {
	switch k {
	case AudienceAlias, AudienceCID, AudienceUserID, AudiencePushToken, AudienceParty:
		return true
	}
	return false
}

// MessageType is the kind of content sent. The values are part of the
// external contract (campaign `message.type`).
type MessageType string

// Message types. Notification, transmission, link and image are for GeTui,
// MX push and the sandbox; text, textcard, markdown and news are WeCom's.
const (
	TypeNotification MessageType = "notification"
	TypeTransmission MessageType = "transmission"
	TypeLink         MessageType = "link"
	TypeImage        MessageType = "image"
	TypeText         MessageType = "text"
	TypeTextCard     MessageType = "textcard"
	TypeMarkdown     MessageType = "markdown"
	TypeNews         MessageType = "news"
)

// Mobile reports whether t is a mobile notification type, shown by the
// device's notification system, rather than an app message shown inside a
// messaging app.
func (t MessageType) Mobile() bool {
	switch t {
	case TypeNotification, TypeTransmission, TypeLink, TypeImage:
		return true
	}
	return false
}

// Click is what happens when the user taps a notification.
type Click struct {
	// Action is one of none, startapp, url, intent, payload.
	Action  string `json:"action"`
	URL     string `json:"url,omitempty"`
	Intent  string `json:"intent,omitempty"`
	Payload string `json:"payload,omitempty"`
}

// Click actions.
const (
	ClickNone     = "none"
	ClickStartApp = "startapp"
	ClickURL      = "url"
	ClickIntent   = "intent"
	ClickPayload  = "payload"
)

// IOSOptions are APNs-specific fields.
type IOSOptions struct {
	Sound            string `json:"sound,omitempty"`
	Subtitle         string `json:"subtitle,omitempty"`
	ThreadID         string `json:"thread_id,omitempty"`
	CollapseID       string `json:"collapse_id,omitempty"`
	ContentAvailable bool   `json:"content_available,omitempty"`
	MutableContent   bool   `json:"mutable_content,omitempty"`
}

// AndroidOptions are Android-wide fields.
type AndroidOptions struct {
	ChannelID string `json:"channel_id,omitempty"`
}

// MXOptions are MX push's distribution settings.
type MXOptions struct {
	// Strategy is combined, mxpush_only or ospush_only.
	Strategy string `json:"distribution_strategy,omitempty"`
	// Sequence orders the vendor channels, e.g. ["huawei", "xiaomi"].
	Sequence []string `json:"ospush_sequence,omitempty"`
}

// WeComOptions are WeCom message/send settings.
type WeComOptions struct {
	Safe                   bool          `json:"safe,omitempty"`
	EnableIDTrans          bool          `json:"enable_id_trans,omitempty"`
	DuplicateCheck         bool          `json:"enable_duplicate_check,omitempty"`
	DuplicateCheckInterval time.Duration `json:"duplicate_check_interval,omitempty"`
	// ButtonText is the textcard button label ("btntxt").
	ButtonText string `json:"btntxt,omitempty"`
	// Articles are the items of a news message.
	Articles []Article `json:"articles,omitempty"`
}

// IsZero reports whether no WeCom setting is set, so a message carrying
// none is not refused by a provider without the WeCom field group.
func (o WeComOptions) IsZero() bool {
	return !o.Safe && !o.EnableIDTrans && !o.DuplicateCheck && o.DuplicateCheckInterval == 0 && o.ButtonText == "" && len(o.Articles) == 0
}

// weComOptionsJSON is WeComOptions as JSON: the interval in whole seconds,
// as WeCom's own duplicate_check_interval and the API's campaign body
// write it (a time.Duration would otherwise travel as nanoseconds). The
// outer field is shallower than the embedded one, so it takes its name.
type weComOptionsJSON struct {
	plainWeComOptions
	DuplicateCheckInterval int64 `json:"duplicate_check_interval,omitempty"`
}

type plainWeComOptions WeComOptions

// MarshalJSON writes the interval in seconds, rounded up.
func (o WeComOptions) MarshalJSON() ([]byte, error) {
	secs := int64((o.DuplicateCheckInterval + time.Second - 1) / time.Second)
	b, err := json.Marshal(weComOptionsJSON{plainWeComOptions: plainWeComOptions(o), DuplicateCheckInterval: secs})
	if err != nil {
		return nil, fmt.Errorf("providers: encode wecom options: %w", err)
	}
	return b, nil
}

// UnmarshalJSON reads the interval in seconds.
func (o *WeComOptions) UnmarshalJSON(b []byte) error {
	var v weComOptionsJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err // the decoder's own error names the field and the type
	}
	*o = WeComOptions(v.plainWeComOptions)
	o.DuplicateCheckInterval = time.Duration(v.DuplicateCheckInterval) * time.Second
	return nil
}

// Article is one item of a WeCom news message.
type Article struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	PicURL      string `json:"picurl,omitempty"`
}

// Message is the content of a push, in provider-neutral terms plus typed
// per-provider options. A client uses what its protocol supports; the
// composer validates per provider so nothing is silently dropped.
type Message struct {
	Type     MessageType `json:"type"`
	Title    string      `json:"title,omitempty"`
	Body     string      `json:"body,omitempty"`
	BigText  string      `json:"big_text,omitempty"`
	ImageURL string      `json:"image_url,omitempty"`
	Click    Click       `json:"click,omitzero"`
	// Badge is the app icon badge; nil leaves it unchanged.
	Badge *int   `json:"badge,omitempty"`
	Sound string `json:"sound,omitempty"`
	// Ext is an application-defined JSON object delivered with the message.
	Ext json.RawMessage `json:"ext,omitempty"`
	// ShowBegin and ShowEnd bound when the notification may be displayed.
	ShowBegin time.Time `json:"show_begin,omitzero"`
	ShowEnd   time.Time `json:"show_end,omitzero"`
	// TTL is how long the provider keeps the message for offline devices;
	// zero is the provider's default.
	TTL      time.Duration `json:"ttl,omitempty"`
	WifiOnly bool          `json:"wifi_only,omitempty"`
	// Speed asks the provider to pace a broadcast (messages per second);
	// zero is no limit.
	Speed int `json:"speed,omitempty"`
	// Group is a task group name for A/B statistics (GeTui group_name).
	Group string `json:"group,omitempty"`

	IOS     IOSOptions     `json:"ios,omitzero"`
	Android AndroidOptions `json:"android,omitzero"`
	// Vendor holds per-vendor overrides keyed by vendor name (huawei, xiaomi,
	// oppo, vivo, flyme, fcm, honor): objects passed through as the protocol
	// names their fields.
	Vendor map[string]json.RawMessage `json:"vendor,omitempty"`
	MX     MXOptions                  `json:"mx,omitzero"`
	WeCom  WeComOptions               `json:"wecom,omitzero"`
	// Options are the provider-specific settings its Capabilities.Options
	// declare; a provider added later carries its own here rather than as
	// a typed block of this struct.
	Options Options `json:"options,omitempty"`
}

// Condition is one clause of a conditional audience, in GeTui's model:
// Op (or, and, not) combines the Values of one Key; clauses are ANDed.
type Condition struct {
	// Key is phone_type, region or custom_tag.
	Key    string   `json:"key"`
	Values []string `json:"values"`
	Op     string   `json:"opt_type"`
}

// Target addresses one request: a broadcast or one batch of recipients.
type Target struct {
	Kind AudienceKind
	// Values are the recipients of a list kind, or the tags of a tag target.
	Values []string
	// Conditions is the clause list of a conditions target.
	Conditions []Condition
}

// SendRequest is one request's worth of work.
type SendRequest struct {
	// RequestID is chosen by the caller (10–32 characters of [0-9A-Za-z_-])
	// and is the same on every retry of the same batch, so the provider's
	// own de-duplication makes a retry safe.
	RequestID string
	Message   Message
	Target    Target
	// DedupeWindow, when positive, asks a provider with
	// IdempotencyDedupeWindow to drop a request identical to one it took
	// within that long (rounded up to its unit, at most
	// Capabilities.DedupeWindow). The caller keeps it the same on every
	// retry of a batch: it is part of the request that must not change.
	DedupeWindow time.Duration
	// Key is the de-duplication key a KeyIssuer provider issued for this
	// batch, which the caller stored with the batch before the first
	// attempt and passes on every retry, a process restart included. Empty
	// when the provider issues none or the caller keeps none (a test
	// send): such a provider then keeps its own key per RequestID, which
	// lasts only as long as the process.
	Key string
}

// DeliveryStatus is the terminal state of one recipient. The values are part
// of the external contract (delivery `status`).
type DeliveryStatus string

// Delivery statuses.
const (
	StatusPending  DeliveryStatus = "pending"
	StatusAccepted DeliveryStatus = "accepted"
	StatusInvalid  DeliveryStatus = "invalid"
	StatusFailed   DeliveryStatus = "failed"
)

// Outcome is the provider's answer for one recipient.
type Outcome struct {
	Recipient string
	Status    DeliveryStatus
	// Code and Message are the provider's own, e.g. "successed_offline".
	Code    string
	Message string
}

// Result is what a successful call returned.
type Result struct {
	// TaskID is the provider's id for the push, used for reports.
	TaskID string
	// Outcomes has an entry for every recipient of a list target for which
	// the provider said something (accepted with a status code, invalid,
	// failed). Recipients of the batch that are not listed were accepted.
	Outcomes []Outcome
}

// Provider is one account's protocol client.
type Provider interface {
	// Kind names the protocol.
	Kind() Kind
	// Capabilities declares the native audience kinds, their batch limits
	// and the message types.
	Capabilities() Capabilities
	// Send performs one request. A list target must not exceed the limit
	// declared in Capabilities (the client refuses more with a Permanent
	// *Error). Failures are returned as *Error.
	Send(ctx context.Context, req SendRequest) (Result, error)
	// Verify proves the credentials with a real call (GeTui auth, WeCom
	// gettoken, MX push certificate). A refusal is a *Error carrying the
	// provider's code and message.
	Verify(ctx context.Context) error
}

// KeyIssuer is implemented by providers whose de-duplication key is issued
// by the provider rather than chosen by the caller (a pool of ids to fetch
// before sending): a RequestID alone cannot make a retry safe there, since
// the provider would not recognise it. The caller obtains one key per batch
// before its first attempt, stores it with the batch, and passes it as
// SendRequest.Key on every attempt of that batch.
type KeyIssuer interface {
	// IssueKey returns a fresh key. Issuing delivers nothing, so a failed
	// or lost call may be repeated. Failures are *Error.
	IssueKey(ctx context.Context) (string, error)
}

// Recaller is implemented by providers that can withdraw a sent message.
type Recaller interface {
	// Recall withdraws the message with the provider's task/message id.
	Recall(ctx context.Context, taskID string) error
}

// Factory builds a client for one account. It returns *ConfigError when the
// credentials or base URL are unusable.
type Factory func(cfg Config) (Provider, error)

// Spec is a registry entry: how to build and describe one kind.
type Spec struct {
	Kind           Kind
	New            Factory
	Fields         []CredentialField
	DefaultBaseURL string
	// BaseURLRequired is true where the kind has no public default (MX push).
	BaseURLRequired bool
	// Capabilities are what every client of the kind declares, known
	// without building one (no credentials needed).
	Capabilities Capabilities
}

// Registry maps kinds to their specs. main.go builds it explicitly.
type Registry map[Kind]Spec

// Capabilities returns what the kind declares; ok is false for a kind the
// registry does not hold.
func (r Registry) Capabilities(kind Kind) (caps Capabilities, ok bool) {
	spec, ok := r[kind]
	return spec.Capabilities, ok
}

// Build constructs a client for an account.
func (r Registry) Build(kind Kind, cfg Config) (Provider, error) {
	spec, ok := r[kind]
	if !ok {
		return nil, NewConfigError("kind", "err.choice", nil)
	}
	p, err := spec.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("providers: build %s client: %w", kind, err)
	}
	return p, nil
}

// EachSender is implemented by providers with one call that carries
// several single pushes, each to one recipient with its own message and
// request id (a personalized campaign's recipients whose texts differ).
type EachSender interface {
	// EachLimit is the most requests one SendEach call may carry.
	EachLimit() int
	// SendEach sends reqs, each with a list target of exactly one
	// recipient, in one call. The results are index-aligned with reqs. A
	// failure of the whole call is a *Error.
	SendEach(ctx context.Context, reqs []SendRequest) ([]Result, error)
}
