package models

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealerRoundTripAndTamper(t *testing.T) {
	s, err := NewSealer("secret")
	if err != nil {
		t.Fatal(err)
	}
	box, err := s.Seal([]byte(`{"master_secret":"m"}`), "row:1")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := s.Open(box, "row:1")
	if err != nil || string(plain) != `{"master_secret":"m"}` {
		t.Fatalf("round trip: %s %v", plain, err)
	}
	if _, err := s.Open(box, "row:2"); !errors.Is(err, ErrUnreadableSecret) {
		t.Errorf("a value moved to another row opened: %v", err)
	}
	box[len(box)-1] ^= 1
	if _, err := s.Open(box, "row:1"); !errors.Is(err, ErrUnreadableSecret) {
		t.Fatal("tampered ciphertext opened")
	}
	other, err := NewSealer("other")
	if err != nil {
		t.Fatal(err)
	}
	box2, err := s.Seal([]byte("x"), "row:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(box2, "row:1"); !errors.Is(err, ErrUnreadableSecret) {
		t.Fatal("wrong key opened")
	}
}

// legacySeal is how values were sealed before they were versioned and
// bound to their row: no associated data, a non-hex key hashed once.
func legacySeal(t *testing.T, secret string, plain []byte) []byte {
	t.Helper()
	aead := oneSHA256GCM(t, secret)
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		t.Fatal(err)
	}
	return aead.Seal(nonce, nonce, plain, nil)
}

// oneSHA256GCM is AES-GCM keyed with one plain SHA-256 of secret, the
// key derivation of values sealed before keys were stretched.
func oneSHA256GCM(t *testing.T, secret string) cipher.AEAD {
	t.Helper()
	sum := sha256.Sum256([]byte(secret))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

func TestPassphraseKeyIsNotOneSHA256(t *testing.T) {
	s, err := NewSealer("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	box, err := s.Seal([]byte("x"), "c")
	if err != nil {
		t.Fatal(err)
	}
	aead := oneSHA256GCM(t, "correct horse battery staple")
	rest := box[len(sealVersion):]
	if _, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], []byte("c")); err == nil {
		t.Error("a passphrase's key is still its plain SHA-256")
	}
}

func TestLegacyCredentialsResealedBoundToTheirRow(t *testing.T) {
	s := mustOpenStore(t) // key "k"
	ctx := context.Background()
	a := mustCreateAccount(t, s)
	old := legacySeal(t, "k", []byte(`{"token":"t"}`))
	if err := s.setCredentials(ctx, a.ID, old); err != nil {
		t.Fatal(err)
	}
	a, err := s.ProviderAccountByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ProviderCredentials(a); err != nil || string(got) != `{"token":"t"}` {
		t.Fatalf("legacy value: %s %v", got, err)
	}
	if n, err := s.ResealCredentials(ctx); err != nil || n != 1 {
		t.Fatalf("resealed %d, %v; want 1", n, err)
	}
	a, err = s.ProviderAccountByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(a.Credentials), string(sealVersion)) {
		t.Fatal("not re-sealed in the versioned form")
	}
	if got, err := s.ProviderCredentials(a); err != nil || string(got) != `{"token":"t"}` {
		t.Fatalf("re-sealed value: %s %v", got, err)
	}
	// Copied onto another account's row, it no longer opens.
	b := ProviderAccount{ID: a.ID + 100, Credentials: a.Credentials}
	if _, err := s.ProviderCredentials(b); !errors.Is(err, ErrUnreadableSecret) {
		t.Errorf("credentials copied to another row opened: %v", err)
	}
}

func TestOpenSealerRefusesAnotherKey(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	setup := func(t *testing.T) (*Store, string) {
		s := mustOpenStore(t)
		keyPath := filepath.Join(t.TempDir(), "pushdeck.key")
		sealer, err := OpenSealer(ctx, s.db, KeySource{Path: keyPath}, log)
		if err != nil {
			t.Fatal(err)
		}
		st := NewStore(s.db, sealer)
		if _, err := st.CreateProviderAccount(ctx, ProviderInput{Name: "mx", Kind: "mxpush", Credentials: json.RawMessage(`{"access_token":"a"}`)}); err != nil {
			t.Fatal(err)
		}
		return st, keyPath
	}
	t.Run("same key file", func(t *testing.T) {
		st, keyPath := setup(t)
		if _, err := OpenSealer(ctx, st.db, KeySource{Path: keyPath}, log); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("key file lost", func(t *testing.T) {
		st, keyPath := setup(t)
		if err := os.Remove(keyPath); err != nil {
			t.Fatal(err)
		}
		_, err := OpenSealer(ctx, st.db, KeySource{Path: keyPath}, log)
		if !errors.Is(err, ErrWrongSecretKey) || !strings.Contains(err.Error(), "--allow-unreadable-secrets") {
			t.Fatalf("lost key file: %v", err)
		}
		if _, err := os.Stat(keyPath); !os.IsNotExist(err) {
			t.Error("a new key file was written although the start was refused")
		}
	})
	t.Run("another key in the environment", func(t *testing.T) {
		st, keyPath := setup(t)
		if _, err := OpenSealer(ctx, st.db, KeySource{Env: "some other key", Path: keyPath}, log); !errors.Is(err, ErrWrongSecretKey) {
			t.Fatalf("wrong key: %v", err)
		}
	})
	t.Run("allowed: credentials marked unreadable, new key kept", func(t *testing.T) {
		st, keyPath := setup(t)
		if err := os.Remove(keyPath); err != nil {
			t.Fatal(err)
		}
		sealer, err := OpenSealer(ctx, st.db, KeySource{Path: keyPath, AllowUnreadable: true}, log)
		if err != nil {
			t.Fatal(err)
		}
		fresh := NewStore(st.db, sealer)
		accts, err := fresh.ListProviderAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range accts {
			if _, err := fresh.ProviderCredentials(a); !errors.Is(err, ErrUnreadableSecret) {
				t.Errorf("account %d: %v, want ErrUnreadableSecret", a.ID, err)
			}
		}
		// The next start with the new key file needs no flag.
		if _, err := OpenSealer(ctx, st.db, KeySource{Path: keyPath}, log); err != nil {
			t.Fatalf("restart with the adopted key: %v", err)
		}
	})
	t.Run("database from before the check value", func(t *testing.T) {
		st, keyPath := setup(t)
		if err := st.db.Exec("DELETE FROM key_check").Error; err != nil {
			t.Fatal(err)
		}
		if _, err := OpenSealer(ctx, st.db, KeySource{Env: "some other key", Path: keyPath}, log); !errors.Is(err, ErrWrongSecretKey) {
			t.Fatalf("wrong key on a database without a check value: %v", err)
		}
		if _, err := OpenSealer(ctx, st.db, KeySource{Path: keyPath}, log); err != nil {
			t.Fatalf("right key on a database without a check value: %v", err)
		}
	})
}
