package models

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/pushdeck/pushdeck/models/internal/freshdb"
)

// mustOpenStore opens a fresh migrated database: a SQLite file in a temp
// dir, or a PostgreSQL database when PUSHDECK_TEST_DB names a server.
// (models' own tests cannot import models/dbtest, which imports models.)
func mustOpenStore(t testing.TB) *Store {
	t.Helper()
	return mustOpenStoreAt(t, freshdb.Migrated(t, migrateDSN))
}

// mustOpenStoreAt opens the fresh database dsn as mustOpenStore does.
func mustOpenStoreAt(t testing.TB, dsn string) *Store {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, dsn)
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

// migrateDSN opens dsn and migrates it (freshdb's PostgreSQL template).
func migrateDSN(ctx context.Context, dsn string) error {
	db, err := Open(ctx, dsn)
	if err != nil {
		return err
	}
	err = Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if cerr := Close(db); err == nil {
		err = cerr
	}
	return err
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
