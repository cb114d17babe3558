package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// TestSeedSimulated: a simulated provider's fleet lands in the registry
// (seeding twice changes nothing); a real provider has nothing to seed.
func TestSeedSimulated(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	sb := h.account("sandbox", "", json.RawMessage(`{"devices": 25}`))
	res, err := h.engine.SeedSimulated(ctx, sb)
	if err != nil || res.Imported != 25 {
		t.Fatalf("seed: %+v %v, want 25 imported", res, err)
	}
	if n, err := h.store.CountDevices(ctx, sb.ID); err != nil || n != 25 {
		t.Errorf("registry holds %d (%v), want 25", n, err)
	}
	if res, err := h.engine.SeedSimulated(ctx, sb); err != nil || res.Unchanged != 25 {
		t.Errorf("seed again: %+v %v, want 25 unchanged", res, err)
	}
	fake := mxfake.New(t)
	mx := h.account("mxpush", fake.URL(), fake.Credentials())
	if _, err := h.engine.SeedSimulated(ctx, mx); !errors.Is(err, ErrNotSimulated) {
		t.Errorf("seed a real provider: %v, want ErrNotSimulated", err)
	}
}

// TestVerifyAccount: the test call's outcome becomes the account's
// health, the provider's own words on a refusal and nothing on success.
func TestVerifyAccount(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	fake := mxfake.New(t)
	good := h.account("mxpush", fake.URL(), fake.Credentials())
	if err := h.engine.VerifyAccount(ctx, good); err != nil {
		t.Fatalf("verify good credentials: %v", err)
	}
	bad, err := h.store.CreateProviderAccount(ctx, models.ProviderInput{Name: "unreachable", Kind: "mxpush", BaseURL: closedURL(t), Credentials: fake.Credentials()})
	if err != nil {
		t.Fatal(err)
	}
	err = h.engine.VerifyAccount(ctx, bad)
	f := FailureOf(err)
	if err == nil || f.Internal || f.Class != providers.Retry {
		t.Fatalf("verify an unreachable provider: %v (%+v), want a retryable provider failure", err, f)
	}
	for _, tc := range []struct {
		acct models.ProviderAccount
		want string
	}{{good, ""}, {bad, f.Detail}} {
		a, err := h.store.ProviderAccountByID(ctx, tc.acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.LastError != tc.want || (tc.want != "" && !strings.Contains(a.LastError, ":")) {
			t.Errorf("account %d health %q, want %q", a.ID, a.LastError, tc.want)
		}
	}
}
