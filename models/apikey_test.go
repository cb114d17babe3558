package models

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAPIKeyLifecycle(t *testing.T) {
	s := mustOpenStore(t)
	u := mustCreateUser(t, s, "admin@example.com", RoleAdmin)
	k, plain, err := s.CreateAPIKey(t.Context(), " deploy bot ", RoleOperator, &u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "pdk_") || !strings.HasPrefix(plain, k.Prefix) || len(k.Prefix) != 12 {
		t.Errorf("key %q prefix %q", plain, k.Prefix)
	}
	if k.Name != "deploy bot" || strings.Contains(k.KeyHash, plain) {
		t.Errorf("stored key: %+v", k)
	}
	got, err := s.APIKeyByToken(t.Context(), plain)
	if err != nil || got.ID != k.ID || got.LastUsedAt == nil {
		t.Fatalf("by token: %+v %v", got, err)
	}
	byID, err := s.APIKeyByID(t.Context(), k.ID)
	if err != nil || byID.LastUsedAt == nil || byID.Role != RoleOperator {
		t.Fatalf("by id: %+v %v", byID, err)
	}
	if err := s.RevokeAPIKey(t.Context(), k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.APIKeyByToken(t.Context(), plain); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked key still works: %v", err)
	}
	if err := s.RevokeAPIKey(t.Context(), k.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second revoke: %v, want ErrNotFound", err)
	}
	byID, err = s.APIKeyByID(t.Context(), k.ID)
	if err != nil || byID.RevokedAt == nil {
		t.Errorf("revoked key by id: %+v %v", byID, err)
	}
	if _, err := s.APIKeyByID(t.Context(), 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestCreateAPIKeyValidation(t *testing.T) {
	s := mustOpenStore(t)
	tests := []struct {
		name       string
		keyName    string
		role       Role
		wantFields map[string]string
	}{
		{"blank name", "  ", RoleViewer, map[string]string{"name": "err.required"}},
		{"long name", strings.Repeat("k", 101), RoleViewer, map[string]string{"name": "err.too_long"}},
		{"bad role", "bot", "owner", map[string]string{"role": "err.role"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, plain, err := s.CreateAPIKey(t.Context(), tc.keyName, tc.role, nil)
			got := fieldIDs(err)
			for f, id := range tc.wantFields {
				if got[f] != id {
					t.Errorf("field %s: %q, want %q", f, got[f], id)
				}
			}
			if plain != "" {
				t.Error("a refused key was handed out")
			}
		})
	}
	ks, err := s.ListAPIKeys(t.Context())
	if err != nil || len(ks) != 0 {
		t.Errorf("refused keys were stored: %d %v", len(ks), err)
	}
}

func TestAPIKeyExpiresAndFollowsItsCreator(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clockAt(s, &now)
	owner, err := s.CreateUser(ctx, NewUser{Email: "owner@example.com", Password: "password123", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, NewUser{Email: "other@example.com", Password: "password123", Role: RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	_, expiring, err := s.CreateExpiringAPIKey(ctx, "ci", RoleOperator, &owner.ID, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, forever, err := s.CreateAPIKey(ctx, "cli", RoleOperator, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, owned, err := s.CreateAPIKey(ctx, "owned", RoleOperator, &owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	live := func(plain string) bool {
		t.Helper()
		_, err := s.APIKeyByToken(ctx, plain)
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	if !live(expiring) || !live(forever) || !live(owned) {
		t.Fatal("new keys do not work")
	}
	now = now.Add(30*24*time.Hour + time.Second)
	if live(expiring) {
		t.Error("an expired key still works")
	}
	if !live(forever) {
		t.Error("a key without expiry stopped")
	}
	if _, err := s.SetUserDisabled(ctx, owner.ID, true); err != nil {
		t.Fatal(err)
	}
	if live(owned) {
		t.Error("the key of a disabled operator still works")
	}
	if _, err := s.SetUserDisabled(ctx, owner.ID, false); err != nil {
		t.Fatal(err)
	}
	if !live(owned) {
		t.Error("the key does not work again once its operator is enabled")
	}
	if _, _, err := s.CreateExpiringAPIKey(ctx, "x", RoleViewer, nil, MaxAPIKeyLifetime+time.Hour); err == nil {
		t.Error("an expiry past the maximum was accepted")
	}
}
