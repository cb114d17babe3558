package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"gorm.io/gorm"
)

// ErrWrongSecretKey means the database holds values sealed with another
// key than the one given, or the key file is missing while it does.
var ErrWrongSecretKey = errors.New("wrong or missing secret key")

// KeySource says where the secret key comes from.
type KeySource struct {
	// Env is PUSHDECK_SECRET_KEY; when empty the key is in Path.
	Env string
	// Path is the key file. A missing file is generated (mode 0600) only
	// while the database holds nothing sealed.
	Path string
	// AllowUnreadable starts with the key given even when stored values do
	// not open with it: they are unreadable until typed again, and the
	// key becomes the database's key from then on.
	AllowUnreadable bool
}

const (
	keyCheckContext = "key_check"
	keyCheckPlain   = "pushdeck secret key check"
)

// OpenSealer finds the secret key, proves it against the database (the
// check value, or every stored credential on a database that has none
// yet) and returns its Sealer. A key that does not fit, or a key file gone
// while sealed values exist, is ErrWrongSecretKey with what to do, unless
// src.AllowUnreadable.
func OpenSealer(ctx context.Context, db *gorm.DB, src KeySource, log *slog.Logger) (*Sealer, error) {
	st := NewStore(db, nil)
	key, err := readKey(src)
	if errors.Is(err, os.ErrNotExist) {
		sealed, err := st.holdsSealed(ctx)
		if err != nil {
			return nil, err
		}
		if sealed && !src.AllowUnreadable {
			return nil, fmt.Errorf("models: the key file %s is missing but the database holds credentials sealed with a key: "+
				"restore the file or set PUSHDECK_SECRET_KEY, or start with --allow-unreadable-secrets to type them again: %w", src.Path, ErrWrongSecretKey)
		}
		if key, err = createKeyFile(src.Path); err != nil {
			return nil, err
		}
		if sealed {
			log.Warn("secret key file was missing: a new key was generated; stored credentials are unreadable until typed again", slog.String("path", src.Path))
		}
	} else if err != nil {
		return nil, err
	}
	sealer, err := NewSealer(key)
	if err != nil {
		return nil, err
	}
	st.sealer = sealer
	fits, err := st.keyFits(ctx)
	if err != nil {
		return nil, err
	}
	if !fits {
		if !src.AllowUnreadable {
			return nil, fmt.Errorf("models: the secret key does not open the credentials stored in this database: "+
				"use the key they were sealed with (PUSHDECK_SECRET_KEY or %s), or start with --allow-unreadable-secrets to type them again: %w", src.Path, ErrWrongSecretKey)
		}
		log.Warn("the secret key does not open the stored credentials: they are unreadable until typed again, and this key is kept from now on")
	}
	if err := st.writeKeyCheck(ctx); err != nil {
		return nil, err
	}
	return sealer, nil
}

func readKey(src KeySource) (string, error) {
	if k := strings.TrimSpace(src.Env); k != "" {
		return k, nil
	}
	b, err := os.ReadFile(src.Path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("models: read secret key: %w", err)
	}
	k := strings.TrimSpace(string(b))
	if k == "" {
		return "", fmt.Errorf("models: secret key file %s is empty: %w", src.Path, ErrWrongSecretKey)
	}
	return k, nil
}

func createKeyFile(path string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("models: generate secret key: %w", err)
	}
	key := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("models: write secret key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		_ = f.Close() // the write error is the one to report
		return "", fmt.Errorf("models: write secret key: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("models: write secret key: %w", err)
	}
	return key, nil
}

// holdsSealed reports whether anything sealed is stored.
func (s *Store) holdsSealed(ctx context.Context) (bool, error) {
	var n int64
	err := s.conn(ctx).Raw("SELECT (SELECT count(*) FROM key_check) + (SELECT count(*) FROM provider_accounts)").Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("models: count sealed values: %w", err)
	}
	return n > 0, nil
}

// keyFits checks the key against the check value, or, before there is
// one, against every stored credential.
func (s *Store) keyFits(ctx context.Context) (bool, error) {
	var sealed []byte
	err := s.conn(ctx).Raw("SELECT sealed FROM key_check WHERE id = 1").Row().Scan(&sealed)
	if err == nil {
		plain, err := s.sealer.Open(sealed, keyCheckContext)
		return err == nil && string(plain) == keyCheckPlain, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("models: read key check: %w", err)
	}
	accts, err := s.ListProviderAccounts(ctx)
	if err != nil {
		return false, err
	}
	for _, a := range accts {
		if _, err := s.ProviderCredentials(a); errors.Is(err, ErrUnreadableSecret) {
			return false, nil
		}
	}
	return true, nil
}

// writeKeyCheck seals the check value with the current key.
func (s *Store) writeKeyCheck(ctx context.Context) error {
	sealed, err := s.sealer.Seal([]byte(keyCheckPlain), keyCheckContext)
	if err != nil {
		return err
	}
	err = s.conn(ctx).Exec(`INSERT INTO key_check (id, sealed, created_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, created_at = excluded.created_at`, sealed, s.now()).Error
	if err != nil {
		return fmt.Errorf("models: write key check: %w", err)
	}
	return nil
}
