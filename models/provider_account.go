package models

import (
	"context"
	"encoding/json"
	"errors"
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
	// RateLimit is the account's request rate (requests/s) shared by all
	// its campaigns; 0 lets the engine learn it (adaptive, from the
	// provider's safe default).
	RateLimit float64
	// QuietStart and QuietEnd ("HH:MM", each recipient's local time) bound
	// the hours marketing campaigns wait out; empty: none.
	QuietStart  string
	QuietEnd    string
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
	// RateLimit is requests/s, 0 for adaptive.
	RateLimit float64
}

// MaxRateLimit bounds an explicit account rate (requests/s): far above any
// provider's documented quota, low enough that a typo is caught.
const MaxRateLimit = 100_000

// maxKindBytes bounds a kind name. Which kinds exist is the provider
// registry's to say (handlers check it); the store only keeps the name sane.
const maxKindBytes = 32

// kindName reports whether s has the shape of a kind name: lower-case
// letters, digits, '-' and '_'.
func kindName(s string) bool {
	if len(s) > maxKindBytes {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// Validate checks what the store itself requires (name, kind, base URL
// length) and trims the name. It returns a *ValidationError.
func (in *ProviderInput) Validate() error {
	v := &ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	in.BaseURL = strings.TrimSpace(in.BaseURL)
	switch {
	case in.Kind == "":
		v.Add("kind", "err.required", nil)
	case !kindName(in.Kind):
		v.Add("kind", "err.choice", nil)
	}
	if in.Name == "" {
		v.Add("name", "err.required", nil)
	} else if utf8.RuneCountInString(in.Name) > 100 {
		v.Add("name", "err.too_long", map[string]any{"Max": 100})
	}
	if len(in.BaseURL) > 512 {
		v.Add("base_url", "err.too_long", map[string]any{"Max": 512})
	}
	// NaN fails every comparison, so it is refused by the negated range.
	if !(in.RateLimit >= 0 && in.RateLimit <= MaxRateLimit) {
		v.Add("rate_limit", "rate.err_rate_limit", map[string]any{"Max": MaxRateLimit})
	}
	return v.Err()
}

// credentialsContext binds an account's sealed credentials to its row.
func credentialsContext(id int64) string {
	return fmt.Sprintf("provider_accounts.credentials:%d", id)
}

// CreateProviderAccount stores an account with sealed credentials. The
// credentials are sealed for the row's id, so the row is inserted first
// and they are set in the same transaction.
func (s *Store) CreateProviderAccount(ctx context.Context, in ProviderInput) (ProviderAccount, error) {
	if err := in.Validate(); err != nil {
		return ProviderAccount{}, err
	}
	now := s.now()
	a := ProviderAccount{Name: in.Name, Kind: in.Kind, BaseURL: in.BaseURL, Credentials: []byte{}, Disabled: in.Disabled, RateLimit: in.RateLimit,
		CreatedAt: now, UpdatedAt: now}
	err := s.WithTx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(&a).Error; err != nil {
			if isConflict(notFound(err, "")) {
				v := &ValidationError{}
				v.Add("name", "err.name_taken", nil)
				return v
			}
			return fmt.Errorf("models: create provider account %q: %w", in.Name, err)
		}
		sealed, err := tx.sealer.Seal(in.Credentials, credentialsContext(a.ID))
		if err != nil {
			return err
		}
		a.Credentials = sealed
		return tx.setCredentials(ctx, a.ID, sealed)
	})
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return ProviderAccount{}, ve
		}
		return ProviderAccount{}, err
	}
	return a, nil
}

func (s *Store) setCredentials(ctx context.Context, id int64, sealed []byte) error {
	if err := s.conn(ctx).Model(&ProviderAccount{}).Where("id = ?", id).UpdateColumn("credentials", sealed).Error; err != nil {
		return fmt.Errorf("models: seal credentials of provider account %d: %w", id, err)
	}
	return nil
}

// UpdateProviderAccount changes an account. Nil Credentials keep the stored ones.
func (s *Store) UpdateProviderAccount(ctx context.Context, id int64, in ProviderInput) (ProviderAccount, error) {
	if err := in.Validate(); err != nil {
		return ProviderAccount{}, err
	}
	upd := map[string]any{"name": in.Name, "base_url": in.BaseURL, "disabled": in.Disabled, "rate_limit": in.RateLimit, "updated_at": s.now()}
	if in.Credentials != nil {
		sealed, err := s.sealer.Seal(in.Credentials, credentialsContext(id))
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

// SetProviderDisabled disables or enables an account. A disabled account
// keeps its campaigns but cannot be chosen for new ones.
func (s *Store) SetProviderDisabled(ctx context.Context, id int64, disabled bool) (ProviderAccount, error) {
	res := s.conn(ctx).Model(&ProviderAccount{}).Where("id = ?", id).
		Updates(map[string]any{"disabled": disabled, "updated_at": s.now()})
	if res.Error != nil {
		return ProviderAccount{}, fmt.Errorf("models: set provider account %d disabled=%t: %w", id, disabled, res.Error)
	}
	if res.RowsAffected == 0 {
		return ProviderAccount{}, fmt.Errorf("models: set provider account %d disabled: %w", id, ErrNotFound)
	}
	return s.ProviderAccountByID(ctx, id)
}

// ProviderNameTaken reports whether another account than except (0 for
// none) has name, so a form can report it together with its other errors;
// the UNIQUE constraint still decides a race.
func (s *Store) ProviderNameTaken(ctx context.Context, name string, except int64) (bool, error) {
	var n int64
	err := s.conn(ctx).Model(&ProviderAccount{}).Where("name = ? AND id <> ?", strings.TrimSpace(name), except).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("models: provider name %q taken: %w", name, err)
	}
	return n > 0, nil
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

// ProviderCredentials decrypts an account's credentials JSON. Credentials
// this key cannot open are ErrUnreadableSecret: they must be typed again.
func (s *Store) ProviderCredentials(a ProviderAccount) (json.RawMessage, error) {
	plain, err := s.sealer.Open(a.Credentials, credentialsContext(a.ID))
	if err != nil {
		return nil, fmt.Errorf("models: credentials of provider account %d: %w", a.ID, err)
	}
	return plain, nil
}

// ResealCredentials seals again, bound to their rows, the credentials
// still in the form used before values were versioned and bound to their
// row. It runs at start; values it cannot open are left as they are.
func (s *Store) ResealCredentials(ctx context.Context) (int, error) {
	accts, err := s.ListProviderAccounts(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range accts {
		plain, legacy, err := s.sealer.open(a.Credentials, credentialsContext(a.ID))
		if err != nil || !legacy {
			continue
		}
		sealed, err := s.sealer.Seal(plain, credentialsContext(a.ID))
		if err != nil {
			return n, err
		}
		if err := s.setCredentials(ctx, a.ID, sealed); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RecordProviderHealth stores the result of a provider call: a nil error
// marks the last success, otherwise the last error with its time. It leaves
// updated_at alone: the engine keys its provider clients (token cache, rate
// limiter) on it, and health is not a change of the account.
func (s *Store) RecordProviderHealth(ctx context.Context, id int64, callErr string) error {
	defer s.lockWrite()()
	now := s.now()
	upd := map[string]any{"last_ok_at": now}
	if callErr != "" {
		upd = map[string]any{"last_error": callErr, "last_error_at": now}
	}
	if err := s.conn(ctx).Model(&ProviderAccount{}).Where("id = ?", id).UpdateColumns(upd).Error; err != nil {
		return fmt.Errorf("models: provider %d health: %w", id, err)
	}
	return nil
}

// EnsureFirstAccount creates the account in on a fresh install (no
// accounts at all); main.go gives the simulated provider's, so the console
// works with no credentials.
func (s *Store) EnsureFirstAccount(ctx context.Context, in ProviderInput) error {
	var n int64
	if err := s.conn(ctx).Model(&ProviderAccount{}).Count(&n).Error; err != nil {
		return fmt.Errorf("models: count provider accounts: %w", err)
	}
	if n > 0 {
		return nil
	}
	_, err := s.CreateProviderAccount(ctx, in)
	return err
}
