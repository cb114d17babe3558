package models

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
)

// mustOpenStore opens a migrated SQLite file in a temp dir.
func mustOpenStore(t testing.TB) *Store {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Close(db); err != nil {
			t.Error(err)
		}
	})
	sealer, err := NewSealer("k")
	if err != nil {
		t.Fatal(err)
	}
	return NewStore(db, sealer)
}

// mustCreateAccount adds a sandbox account.
func mustCreateAccount(t testing.TB, s *Store) ProviderAccount {
	t.Helper()
	a, err := s.CreateProviderAccount(context.Background(), ProviderInput{Name: "acct-" + t.Name(), Kind: "sandbox", Credentials: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// mustCreateCampaign adds a draft.
func mustCreateCampaign(t testing.TB, s *Store, a ProviderAccount, aud Audience) Campaign {
	t.Helper()
	c, _, err := s.CreateCampaign(context.Background(), NewCampaign{Name: "c", ProviderID: a.ID, Audience: aud, Message: json.RawMessage(`{"type":"notification"}`)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
