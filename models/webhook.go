package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// MaxWebhookEndpoints bounds the endpoints: every event is written once
// per subscribed endpoint, on the engine's write path.
const MaxWebhookEndpoints = 20

// MaxWebhookURL is the longest endpoint URL, in bytes.
const MaxWebhookURL = 2048

// webhookSecretPrefix marks pushdeck webhook secrets, as pdk_ marks keys.
const webhookSecretPrefix = "whsec_"

// WebhookEndpoint is a URL that hears of the events it subscribes to. Its
// secret signs every request; it is sealed at rest and shown in full only
// when the endpoint is created.
type WebhookEndpoint struct {
	ID  int64
	URL string `gorm:"column:url"`
	// Secret is sealed for this row (webhookSecretContext).
	Secret []byte `json:"-"`
	// SecretHint is the secret's first characters.
	SecretHint string
	// EventBits is the subscription over WebhookEventTypes; see Events.
	EventBits int64 `gorm:"column:events"`
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Events lists the endpoint's subscribed event types.
func (e WebhookEndpoint) Events() []string { return eventTypes(e.EventBits) }

// WebhookInput is a new endpoint.
type WebhookInput struct {
	URL      string
	Events   []string
	Disabled bool
}

// WebhookUpdate changes an endpoint; nil fields stay as they are.
type WebhookUpdate struct {
	URL      *string
	Events   *[]string
	Disabled *bool
}

// webhookSecretContext binds a sealed secret to its endpoint's row.
func webhookSecretContext(id int64) string {
	return fmt.Sprintf("webhook_endpoints.secret:%d", id)
}

// checkWebhookURL applies the provider base URL's rule to an endpoint: an
// http:// or https:// URL with a host, no user info, query or fragment, at
// most MaxWebhookURL bytes. (The worker never follows a redirect, so a
// moved receiver shows as a failing 3xx instead of receiving the signed
// body somewhere else.)
func checkWebhookURL(raw string, v *ValidationError) {
	switch {
	case raw == "":
		v.Add("url", "err.required", nil)
		return
	case len(raw) > MaxWebhookURL:
		v.Add("url", "err.too_long_bytes", map[string]any{"Max": MaxWebhookURL})
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		v.Add("url", "webhooks.err_url", nil)
	}
}

// checkWebhookEvents requires at least one known event type.
func checkWebhookEvents(types []string, v *ValidationError) int64 {
	bits, ok := eventBits(types)
	switch {
	case !ok:
		v.Add("events", "webhooks.err_event", map[string]any{"Types": strings.Join(WebhookEventTypes(), ", ")})
	case bits == 0:
		v.Add("events", "webhooks.err_no_event", nil)
	}
	return bits
}

// CreateWebhook stores an endpoint with a new secret, sealed for the row
// in the same transaction, and returns the plain secret: the only time it
// leaves the store unasked. At most MaxWebhookEndpoints may exist (a
// *ValidationError on "url" beyond).
func (s *Store) CreateWebhook(ctx context.Context, in WebhookInput) (WebhookEndpoint, string, error) {
	v := &ValidationError{}
	in.URL = strings.TrimSpace(in.URL)
	checkWebhookURL(in.URL, v)
	bits := checkWebhookEvents(in.Events, v)
	if err := v.Err(); err != nil {
		return WebhookEndpoint{}, "", err
	}
	tok, err := randomToken(32)
	if err != nil {
		return WebhookEndpoint{}, "", err
	}
	plain := webhookSecretPrefix + tok
	now := s.now()
	e := WebhookEndpoint{URL: in.URL, Secret: []byte{}, SecretHint: plain[:10], EventBits: bits, Disabled: in.Disabled, CreatedAt: now, UpdatedAt: now}
	err = s.WithTx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.conn(ctx).Model(&WebhookEndpoint{}).Count(&n).Error; err != nil {
			return fmt.Errorf("models: count webhook endpoints: %w", err)
		}
		if n >= MaxWebhookEndpoints {
			v.Add("url", "webhooks.err_too_many", map[string]any{"Max": MaxWebhookEndpoints})
			return v
		}
		if err := tx.conn(ctx).Create(&e).Error; err != nil {
			return fmt.Errorf("models: create webhook endpoint: %w", err)
		}
		sealed, err := tx.sealer.Seal([]byte(plain), webhookSecretContext(e.ID))
		if err != nil {
			return err
		}
		e.Secret = sealed
		return tx.conn(ctx).Model(&WebhookEndpoint{}).Where("id = ?", e.ID).UpdateColumn("secret", sealed).Error
	})
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return WebhookEndpoint{}, "", ve
		}
		return WebhookEndpoint{}, "", fmt.Errorf("models: create webhook endpoint: %w", err)
	}
	return e, plain, nil
}

// WebhookByID returns one endpoint, or ErrNotFound.
func (s *Store) WebhookByID(ctx context.Context, id int64) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	if err := s.conn(ctx).First(&e, id).Error; err != nil {
		return WebhookEndpoint{}, notFound(err, fmt.Sprintf("webhook endpoint %d", id))
	}
	return e, nil
}

// ListWebhooks lists the endpoints, oldest first.
func (s *Store) ListWebhooks(ctx context.Context) ([]WebhookEndpoint, error) {
	var es []WebhookEndpoint
	if err := s.conn(ctx).Order("id").Find(&es).Error; err != nil {
		return nil, fmt.Errorf("models: list webhook endpoints: %w", err)
	}
	return es, nil
}

// UpdateWebhook changes an endpoint's URL, events or state. The secret
// stays. An endpoint disabled keeps its queued deliveries; they go out
// when it is enabled again (or die at their 24 hours).
func (s *Store) UpdateWebhook(ctx context.Context, id int64, upd WebhookUpdate) (WebhookEndpoint, error) {
	v := &ValidationError{}
	set := map[string]any{"updated_at": s.now()}
	if upd.URL != nil {
		u := strings.TrimSpace(*upd.URL)
		checkWebhookURL(u, v)
		set["url"] = u
	}
	if upd.Events != nil {
		set["events"] = checkWebhookEvents(*upd.Events, v)
	}
	if upd.Disabled != nil {
		set["disabled"] = *upd.Disabled
	}
	if err := v.Err(); err != nil {
		return WebhookEndpoint{}, err
	}
	defer s.lockWrite()()
	res := s.conn(ctx).Model(&WebhookEndpoint{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return WebhookEndpoint{}, fmt.Errorf("models: update webhook endpoint %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return WebhookEndpoint{}, fmt.Errorf("models: update webhook endpoint %d: %w", id, ErrNotFound)
	}
	return s.WebhookByID(ctx, id)
}

// DeleteWebhook removes an endpoint with its queued deliveries and log.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	defer s.lockWrite()()
	res := s.conn(ctx).Delete(&WebhookEndpoint{}, id)
	if res.Error != nil {
		return fmt.Errorf("models: delete webhook endpoint %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("models: delete webhook endpoint %d: %w", id, ErrNotFound)
	}
	return nil
}

// WebhookSecret opens an endpoint's sealed secret (for signing). A secret
// sealed under another key is ErrUnreadableSecret.
func (s *Store) WebhookSecret(e WebhookEndpoint) (string, error) {
	plain, err := s.sealer.Open(e.Secret, webhookSecretContext(e.ID))
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

// KnownWebhookEvent reports whether typ is a subscribable event type.
func KnownWebhookEvent(typ string) bool { return slices.Contains(WebhookEventTypes(), typ) }
