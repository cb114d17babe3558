package models

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Sealer encrypts provider credentials at rest with AES-256-GCM.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer derives a 256-bit key from secret (any non-empty string: a
// 64-character hex key is used as is, anything else is hashed with SHA-256).
func NewSealer(secret string) (*Sealer, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, errors.New("models: secret key is empty")
	}
	key, err := hex.DecodeString(secret)
	if err != nil || len(key) != 32 {
		sum := sha256.Sum256([]byte(secret))
		key = sum[:]
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("models: sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("models: sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext; the nonce is prepended.
func (s *Sealer) Seal(plain []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("models: seal: %w", err)
	}
	return s.aead.Seal(nonce, nonce, plain, nil), nil
}

// Open decrypts what Seal produced.
func (s *Sealer) Open(sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("models: open sealed value: too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, fmt.Errorf("models: open sealed value (wrong PUSHDECK_SECRET_KEY?): %w", err)
	}
	return plain, nil
}

// LoadOrCreateKey returns the secret key: env when set, else the contents of
// path, else a new random key written to path with mode 0600.
func LoadOrCreateKey(env, path string) (string, error) {
	if strings.TrimSpace(env) != "" {
		return env, nil
	}
	b, err := os.ReadFile(path)
	if err == nil {
		if k := strings.TrimSpace(string(b)); k != "" {
			return k, nil
		}
		return "", fmt.Errorf("models: secret key file %s is empty", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("models: read secret key: %w", err)
	}
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
