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
}

// apiKeyPrefix marks pushdeck keys so secret scanners can recognise them.
const apiKeyPrefix = "pdk_"

// CreateAPIKey stores a new key and returns it with the plain key, which is
// shown once and never stored.
func (s *Store) CreateAPIKey(ctx context.Context, name string, role Role, createdBy *int64) (APIKey, string, error) {
	v := &ValidationError{}
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
	k := APIKey{Name: name, Prefix: plain[:12], KeyHash: hashToken(plain), Role: role, CreatedBy: createdBy, CreatedAt: s.now()}
	if err := s.conn(ctx).Create(&k).Error; err != nil {
		return APIKey{}, "", fmt.Errorf("models: create api key %q: %w", name, err)
	}
	return k, plain, nil
}

// APIKeyByToken finds a live (not revoked) key by its plain value and
// records its use.
func (s *Store) APIKeyByToken(ctx context.Context, plain string) (APIKey, error) {
	var k APIKey
	err := s.conn(ctx).Where("key_hash = ? AND revoked_at IS NULL", hashToken(plain)).First(&k).Error
	if err != nil {
		return APIKey{}, notFound(err, "api key")
	}
	now := s.now()
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
