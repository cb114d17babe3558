package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// APIKey is a bearer key for /api/v1. Only its hash is stored.
type APIKey struct {
	ID         int64
	Name       string
	Prefix     string
	KeyHash    string `json:"-"`
	Role       Role
	CreatedBy  *int64
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	// ExpiresAt is when the key stops working; nil for never.
	ExpiresAt *time.Time
}

// MaxAPIKeyLifetime is the longest expiry a key may be given.
const MaxAPIKeyLifetime = 5 * 365 * 24 * time.Hour

// apiKeyPrefix marks pushdeck keys so secret scanners can recognise them.
const apiKeyPrefix = "pdk_"

// CreateAPIKey stores a new key that never expires and returns it with the
// plain key, which is shown once and never stored.
func (s *Store) CreateAPIKey(ctx context.Context, name string, role Role, createdBy *int64) (APIKey, string, error) {
	return s.CreateExpiringAPIKey(ctx, name, role, createdBy, 0)
}

// CreateExpiringAPIKey is CreateAPIKey for a key that stops working after
// lifetime (0 for never; at most MaxAPIKeyLifetime, else a ValidationError
// on "expires").
func (s *Store) CreateExpiringAPIKey(ctx context.Context, name string, role Role, createdBy *int64, lifetime time.Duration) (APIKey, string, error) {
	v := &ValidationError{}
	if lifetime < 0 || lifetime > MaxAPIKeyLifetime {
		v.Add("expires", "err.apikey_expires", map[string]any{"Max": int(MaxAPIKeyLifetime / (24 * time.Hour))})
	}
	name = strings.TrimSpace(name)
	if name == "" {
		v.Add("name", "err.required", nil)
	} else if utf8.RuneCountInString(name) > 100 {
		v.Add("name", "err.too_long", map[string]any{"Max": 100})
	}
	if !role.Valid() {
		v.Add("role", "err.role", nil)
	}
	if err := v.Err(); err != nil {
		return APIKey{}, "", err
	}
	tok, err := randomToken(32)
	if err != nil {
		return APIKey{}, "", err
	}
	plain := apiKeyPrefix + tok
	now := s.now()
	k := APIKey{Name: name, Prefix: plain[:12], KeyHash: hashToken(plain), Role: role, CreatedBy: createdBy, CreatedAt: now}
	if lifetime > 0 {
		exp := now.Add(lifetime)
		k.ExpiresAt = &exp
	}
	if err := s.conn(ctx).Create(&k).Error; err != nil {
		return APIKey{}, "", fmt.Errorf("models: create api key %q: %w", name, err)
	}
	return k, plain, nil
}

// APIKeyByToken finds a live key by its plain value and records its use.
// A revoked or expired key, and a key whose creator is disabled (it acted
// for them), is ErrNotFound.
func (s *Store) APIKeyByToken(ctx context.Context, plain string) (APIKey, error) {
	var k APIKey
	now := s.now()
	err := s.conn(ctx).Where(`key_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
		AND (created_by IS NULL OR NOT EXISTS (SELECT 1 FROM users WHERE users.id = api_keys.created_by AND users.disabled))`,
		hashToken(plain), now).First(&k).Error
	if err != nil {
		return APIKey{}, notFound(err, "api key")
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if err := s.conn(ctx).Model(&APIKey{}).Where("id = ?", k.ID).Update("last_used_at", now).Error; err != nil {
			return APIKey{}, fmt.Errorf("models: api key last use: %w", err)
		}
		k.LastUsedAt = &now
	}
	return k, nil
}

// ListAPIKeys lists keys, newest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	var ks []APIKey
	if err := s.conn(ctx).Order("id DESC").Find(&ks).Error; err != nil {
		return nil, fmt.Errorf("models: list api keys: %w", err)
	}
	return ks, nil
}

// RevokeAPIKey revokes a key; it stops working at once.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64) error {
	res := s.conn(ctx).Model(&APIKey{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", s.now())
	if res.Error != nil {
		return fmt.Errorf("models: revoke api key %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("models: revoke api key %d: %w", id, ErrNotFound)
	}
	return nil
}

// APIKeyByID loads a key, revoked or not.
func (s *Store) APIKeyByID(ctx context.Context, id int64) (APIKey, error) {
	var k APIKey
	if err := s.conn(ctx).First(&k, id).Error; err != nil {
		return APIKey{}, notFound(err, fmt.Sprintf("api key %d", id))
	}
	return k, nil
}
