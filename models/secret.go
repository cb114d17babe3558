package models

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrUnreadableSecret is a sealed value this key cannot open: the key was
// replaced (a lost key file, a changed PUSHDECK_SECRET_KEY) or the value
// was moved to another row. The value must be typed again.
var ErrUnreadableSecret = errors.New("sealed value cannot be opened with this secret key")

// sealVersion prefixes every value sealed since values were bound to their
// row. Values without it (sealed earlier: no associated data, and for a
// non-hex key a SHA-256 key) are still opened, and re-sealed at start.
var sealVersion = []byte("pds2:")

// Sealer encrypts secrets at rest with AES-256-GCM. Every value is sealed
// for a context (the table, column and row it belongs to), passed as
// associated data, so a value copied into another row does not open.
type Sealer struct {
	aead cipher.AEAD
	// legacy opens values sealed before versioning.
	legacy cipher.AEAD
}

// NewSealer derives the key from secret: a 64-character hex key is used as
// is; anything else is a passphrase, stretched with HKDF-SHA256 (so it
// should be long and random, like the generated key file).
func NewSealer(secret string) (*Sealer, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, errors.New("models: secret key is empty")
	}
	key, err := hex.DecodeString(secret)
	legacyKey := key
	if err != nil || len(key) != 32 {
		sum := sha256.Sum256([]byte(secret))
		legacyKey = sum[:]
		key, err = hkdf.Key(sha256.New, []byte(secret), []byte("pushdeck secret key"), "AES-256-GCM sealing v2", 32)
		if err != nil {
			return nil, fmt.Errorf("models: derive secret key: %w", err)
		}
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	legacy, err := newGCM(legacyKey)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, legacy: legacy}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("models: sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("models: sealer: %w", err)
	}
	return aead, nil
}

// Seal encrypts plaintext for context: version prefix, nonce, ciphertext.
func (s *Sealer) Seal(plain []byte, context string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("models: seal: %w", err)
	}
	out := append(append([]byte{}, sealVersion...), nonce...)
	return s.aead.Seal(out, nonce, plain, []byte(context)), nil
}

// Open decrypts what Seal produced for the same context. A value this key
// cannot open, or sealed for another context, is ErrUnreadableSecret.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	plain, _, err := s.open(sealed, context)
	return plain, err
}

// open also reports whether the value was in the legacy form (to re-seal).
func (s *Sealer) open(sealed []byte, context string) ([]byte, bool, error) {
	n := s.aead.NonceSize()
	if rest, ok := bytes.CutPrefix(sealed, sealVersion); ok && len(rest) >= n {
		if plain, err := s.aead.Open(nil, rest[:n], rest[n:], []byte(context)); err == nil {
			return plain, false, nil
		}
		// A legacy value may start with the prefix by chance (its nonce is
		// random): fall through and try it as one.
	}
	if len(sealed) >= n {
		if plain, err := s.legacy.Open(nil, sealed[:n], sealed[n:], nil); err == nil {
			return plain, true, nil
		}
	}
	return nil, false, fmt.Errorf("models: open sealed %s: %w", context, ErrUnreadableSecret)
}
