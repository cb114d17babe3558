package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ProviderAccount is one connected provider account. Credentials are sealed
// (AES-GCM) and never leave the store in a view or a log.
type ProviderAccount struct {
	ID          int64
	Name        string
	Kind        string
	BaseURL     string
	Credentials []byte `json:"-"`
	Disabled    bool
	LastOKAt    *time.Time
	LastError   string
	LastErrorAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ProviderInput is the input of CreateProviderAccount / UpdateProviderAccount.
// Kind-specific validation of Credentials happens in the provider registry
// before the store is called.
type ProviderInput struct {
	Name        string
	Kind        string
	BaseURL     string
	Credentials json.RawMessage
	Disabled    bool
}

func (in *ProviderInput) validate() error {
	v := &ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		v.Add("name", "err.required", nil)
	} else if utf8.RuneCountInString(in.Name) > 100 {
		v.Add("name", "err.too_long", map[string]any{"Max": 100})
	}
	if len(in.BaseURL) > 512 {
		v.Add("base_url", "err.too_long", map[string]any{"Max": 512})
	}
	return v.Err()
}

// CreateProviderAccount stores an account with sealed credentials.
func (s *Store) CreateProviderAccount(ctx context.Context, in ProviderInput) (ProviderAccount, error) {
	if err := in.validate(); err != nil {
		return ProviderAccount{}, err
	}
	sealed, err := s.sealer.Seal(in.Credentials)
	if err != nil {
		return ProviderAccount{}, err
	}
	now := s.now()
	a := ProviderAccount{Name: in.Name, Kind: in.Kind, BaseURL: in.BaseURL, Credentials: sealed, Disabled: in.Disabled, CreatedAt: now, UpdatedAt: now}
	if err := s.conn(ctx).Create(&a).Error; err != nil {
		if isConflict(notFound(err, "")) {
			v := &ValidationError{}
			v.Add("name", "err.name_taken", nil)
			return ProviderAccount{}, v
		}
		return ProviderAccount{}, fmt.Errorf("models: create provider account %q: %w", in.Name, err)
	}
	return a, nil
}

// UpdateProviderAccount changes an account. Nil Credentials keep the stored ones.
func (s *Store) UpdateProviderAccount(ctx context.Context, id int64, in ProviderInput) (ProviderAccount, error) {
	if err := in.validate(); err != nil {
		return ProviderAccount{}, err
	}
	upd := map[string]any{"name": in.Name, "base_url": in.BaseURL, "disabled": in.Disabled, "updated_at": s.now()}
	if in.Credentials != nil {
		sealed, err := s.sealer.Seal(in.Credentials)
		if err != nil {
			return ProviderAccount{}, err
		}
		upd["credentials"] = sealed
	}
	res := s.conn(ctx).Model(&ProviderAccount{}).Where("id = ?", id).Updates(upd)
	if res.Error != nil {
		if isConflict(notFound(res.Error, "")) {
			v := &ValidationError{}
			v.Add("name", "err.name_taken", nil)
			return ProviderAccount{}, v
		}
		return ProviderAccount{}, fmt.Errorf("models: update provider account %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ProviderAccount{}, fmt.Errorf("models: update provider account %d: %w", id, ErrNotFound)
	}
	return s.ProviderAccountByID(ctx, id)
}

// ProviderAccountByID loads an account.
func (s *Store) ProviderAccountByID(ctx context.Context, id int64) (ProviderAccount, error) {
	var a ProviderAccount
	if err := s.conn(ctx).First(&a, id).Error; err != nil {
		return ProviderAccount{}, notFound(err, fmt.Sprintf("provider account %d", id))
	}
	return a, nil
}

// ListProviderAccounts lists all accounts by id.
func (s *Store) ListProviderAccounts(ctx context.Context) ([]ProviderAccount, error) {
	var as []ProviderAccount
	if err := s.conn(ctx).Order("id").Find(&as).Error; err != nil {
		return nil, fmt.Errorf("models: list provider accounts: %w", err)
	}
	return as, nil
}

// ProviderCredentials decrypts an account's credentials JSON.
func (s *Store) ProviderCredentials(a ProviderAccount) (json.RawMessage, error) {
	plain, err := s.sealer.Open(a.Credentials)
	if err != nil {
		return nil, fmt.Errorf("models: credentials of provider account %d: %w", a.ID, err)
	}
	return plain, nil
}

// RecordProviderHealth stores the result of a provider call: a nil error
// marks the last success, otherwise the last error with its time.
func (s *Store) RecordProviderHealth(ctx context.Context, id int64, callErr string) error {
	now := s.now()
	upd := map[string]any{"last_ok_at": now}
	if callErr != "" {
		upd = map[string]any{"last_error": callErr, "last_error_at": now}
	}
	if err := s.conn(ctx).Model(&ProviderAccount{}).Where("id = ?", id).Updates(upd).Error; err != nil {
		return fmt.Errorf("models: provider %d health: %w", id, err)
	}
	return nil
}

// EnsureSandboxAccount creates the built-in sandbox account on a fresh
// install (no accounts at all), so the console works with no credentials.
func (s *Store) EnsureSandboxAccount(ctx context.Context) error {
	var n int64
	if err := s.conn(ctx).Model(&ProviderAccount{}).Count(&n).Error; err != nil {
		return fmt.Errorf("models: count provider accounts: %w", err)
	}
	if n > 0 {
		return nil
	}
	_, err := s.CreateProviderAccount(ctx, ProviderInput{Name: "Sandbox", Kind: "sandbox", Credentials: json.RawMessage(`{}`)})
	return err
}
