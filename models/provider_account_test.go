package models

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// TestProviderCredentialsSealedAtRest reads the credentials column straight
// from SQLite: it must not contain any plaintext secret, and the store must
// open it back to exactly what was saved.
func TestProviderCredentialsSealedAtRest(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	const secret = "uIBtmad7RK706cy5MKdfp3-master-secret"
	const appKey = "Mjv706pTKt5cTcjtqaToz8-app-key"
	creds := json.RawMessage(`{"app_id":"app1","app_key":"` + appKey + `","master_secret":"` + secret + `"}`)
	a, err := s.CreateProviderAccount(ctx, ProviderInput{Name: "GeTui prod", Kind: "getui", Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	raw := func() []byte {
		t.Helper()
		var col []byte
		if err := s.DB().Raw("SELECT credentials FROM provider_accounts WHERE id = ?", a.ID).Row().Scan(&col); err != nil {
			t.Fatal(err)
		}
		return col
	}
	first := raw()
	for _, plain := range []string{secret, appKey, "master_secret", "app1"} {
		if bytes.Contains(first, []byte(plain)) {
			t.Errorf("credentials column contains %q in plaintext", plain)
		}
	}
	got, err := s.ProviderCredentials(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, creds) {
		t.Errorf("opened %s, want %s", got, creds)
	}

	// An update that keeps the credentials (nil) leaves the column alone;
	// one that replaces them seals again with a fresh nonce.
	if _, err := s.UpdateProviderAccount(ctx, a.ID, ProviderInput{Name: "GeTui", Kind: "getui"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw(), first) {
		t.Error("an update without credentials changed the sealed column")
	}
	if _, err := s.UpdateProviderAccount(ctx, a.ID, ProviderInput{Name: "GeTui", Kind: "getui", Credentials: creds}); err != nil {
		t.Fatal(err)
	}
	second := raw()
	if bytes.Equal(second, first) || bytes.Contains(second, []byte(secret)) {
		t.Error("re-sealed credentials must differ (fresh nonce) and stay encrypted")
	}

	// Another key cannot open them.
	other, err := NewSealer("another key")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(second, credentialsContext(a.ID)); err == nil {
		t.Error("a different key opened the credentials")
	}
}

func TestProviderAccountValidation(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	if _, err := s.CreateProviderAccount(ctx, ProviderInput{Name: "Taken", Kind: "sandbox", Credentials: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	long := string(bytes.Repeat([]byte("x"), 513))
	tests := []struct {
		name  string
		in    ProviderInput
		field string
		id    string
	}{
		{"blank name", ProviderInput{Name: "  ", Kind: "sandbox"}, "name", "err.required"},
		{"name taken", ProviderInput{Name: "Taken", Kind: "sandbox"}, "name", "err.name_taken"},
		{"no kind", ProviderInput{Name: "a"}, "kind", "err.required"},
		{"kind not a name", ProviderInput{Name: "a", Kind: "Zeta Push"}, "kind", "err.choice"},
		{"base url too long", ProviderInput{Name: "a", Kind: "sandbox", BaseURL: long}, "base_url", "err.too_long"},
		{"negative rate", ProviderInput{Name: "a", Kind: "sandbox", RateLimit: -1}, "rate_limit", "rate.err_rate_limit"},
		{"rate not a number", ProviderInput{Name: "a", Kind: "sandbox", RateLimit: math.NaN()}, "rate_limit", "rate.err_rate_limit"},
		{"rate too high", ProviderInput{Name: "a", Kind: "sandbox", RateLimit: MaxRateLimit + 1}, "rate_limit", "rate.err_rate_limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Credentials = json.RawMessage(`{}`)
			_, err := s.CreateProviderAccount(ctx, tc.in)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err %v, want a validation error", err)
			}
			if got := ve.Fields[tc.field].ID; got != tc.id {
				t.Errorf("%s: %q, want %q (all: %v)", tc.field, got, tc.id, ve)
			}
		})
	}
	as, err := s.ListProviderAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 {
		t.Errorf("%d accounts stored, want only the first", len(as))
	}
}

func TestProviderNameTaken(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	a := mustCreateAccount(t, s)
	tests := []struct {
		name   string
		lookup string
		except int64
		want   bool
	}{
		{"another account has it", a.Name, 0, true},
		{"surrounding spaces ignored", " " + a.Name + " ", 0, true},
		{"the account itself", a.Name, a.ID, false},
		{"free", "free name", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ProviderNameTaken(ctx, tc.lookup, tc.except)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("taken = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSetProviderDisabled(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	a := mustCreateAccount(t, s)
	for _, want := range []bool{true, false, true} {
		got, err := s.SetProviderDisabled(ctx, a.ID, want)
		if err != nil {
			t.Fatal(err)
		}
		if got.Disabled != want {
			t.Errorf("disabled = %v, want %v", got.Disabled, want)
		}
	}
	if _, err := s.SetProviderDisabled(ctx, a.ID+100, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown account: %v, want ErrNotFound", err)
	}
}

// TestProviderHealthKeepsUpdatedAt: recording health does not look like an
// edit of the account (the engine rebuilds a client, dropping its token,
// when updated_at moves).
func TestProviderHealthKeepsUpdatedAt(t *testing.T) {
	s := mustOpenStore(t)
	ctx := t.Context()
	a := mustCreateAccount(t, s)
	before, err := s.ProviderAccountByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if err := s.RecordProviderHealth(ctx, a.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordProviderHealth(ctx, a.ID, "10001: token expired"); err != nil {
		t.Fatal(err)
	}
	after, err := s.ProviderAccountByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("updated_at moved from %v to %v", before.UpdatedAt, after.UpdatedAt)
	}
	if after.LastOKAt == nil || after.LastError != "10001: token expired" || after.LastErrorAt == nil {
		t.Errorf("health not recorded: ok %v, error %q at %v", after.LastOKAt, after.LastError, after.LastErrorAt)
	}
}

// TestAnyKindStored: which kinds exist is the registry's to say; the
// store takes any kind name (a provider added later needs no migration),
// and the schema still refuses what is not a name.
func TestAnyKindStored(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	if _, err := s.CreateProviderAccount(ctx, ProviderInput{Name: "Z", Kind: "zeta-push_2", Credentials: json.RawMessage(`{}`)}); err != nil {
		t.Fatalf("new kind refused: %v", err)
	}
	err := s.db.WithContext(ctx).Exec(`INSERT INTO provider_accounts (name, kind, credentials, created_at, updated_at)
		VALUES ('Y', 'Bad Kind', ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, []byte{0}).Error
	if err == nil || !strings.Contains(strings.ToUpper(err.Error()), "CHECK") {
		t.Fatalf("a kind that is no name was stored: %v", err)
	}
}
