package models

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// mustCreateUser adds an operator with the password "password123".
func mustCreateUser(t testing.TB, s *Store, email string, role Role) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), NewUser{Email: email, Password: "password123", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mustSession starts a session and returns its cookie value and row.
func mustSession(t testing.TB, s *Store, userID int64) (string, Session) {
	t.Helper()
	tok, sess, err := s.CreateSession(context.Background(), userID, time.Hour, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok, sess
}

func fieldIDs(err error) map[string]string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := map[string]string{}
	for k, fe := range ve.Fields {
		out[k] = fe.ID
	}
	return out
}

func TestCreateUserValidation(t *testing.T) {
	s := mustOpenStore(t)
	mustCreateUser(t, s, "taken@example.com", RoleViewer)
	tests := []struct {
		name string
		in   NewUser
		want map[string]string
	}{
		{"ok", NewUser{Email: "new@example.com", Password: "password123", Role: RoleOperator}, nil},
		{"empty", NewUser{}, map[string]string{"email": "err.required", "password": "err.password_short", "role": "err.role"}},
		{"bad email", NewUser{Email: "<script>@x", Password: "password123", Role: RoleViewer}, map[string]string{"email": "err.email"}},
		{"display-name email", NewUser{Email: "Ann <ann@example.com>", Password: "password123", Role: RoleViewer}, map[string]string{"email": "err.email"}},
		{"taken, other case", NewUser{Email: "TAKEN@example.com", Password: "password123", Role: RoleViewer}, map[string]string{"email": "err.email_taken"}},
		{"password too long for bcrypt", NewUser{Email: "b@example.com", Password: strings.Repeat("x", 73), Role: RoleViewer}, map[string]string{"password": "err.password_long"}},
		{"name too long", NewUser{Email: "c@example.com", Password: "password123", Role: RoleViewer, Name: strings.Repeat("名", 101)}, map[string]string{"name": "err.too_long"}},
		{"unknown role", NewUser{Email: "d@example.com", Password: "password123", Role: "root"}, map[string]string{"role": "err.role"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateUser(t.Context(), tc.in)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			got := fieldIDs(err)
			for f, id := range tc.want {
				if got[f] != id {
					t.Errorf("field %s: %q, want %q (all: %v)", f, got[f], id, got)
				}
			}
		})
	}
}

func TestListUsers(t *testing.T) {
	s := mustOpenStore(t)
	mustCreateUser(t, s, "b@example.com", RoleViewer)
	mustCreateUser(t, s, "a@example.com", RoleAdmin)
	us, err := s.ListUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || us[0].Email != "a@example.com" || us[1].Email != "b@example.com" {
		t.Fatalf("users %+v, want a then b", us)
	}
}

// TestLastAdminIsKept: no sequence of role changes or disables leaves the
// installation without an active administrator.
func TestLastAdminIsKept(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, s *Store) (target User)
		change  func(s *Store, id int64) error
		wantErr error
	}{
		{
			name:  "demote the only admin",
			setup: func(t *testing.T, s *Store) User { return mustCreateUser(t, s, "a@example.com", RoleAdmin) },
			change: func(s *Store, id int64) error {
				_, err := s.SetUserRole(context.Background(), id, RoleOperator)
				return err
			},
			wantErr: ErrLastAdmin,
		},
		{
			name:  "disable the only admin",
			setup: func(t *testing.T, s *Store) User { return mustCreateUser(t, s, "a@example.com", RoleAdmin) },
			change: func(s *Store, id int64) error {
				_, err := s.SetUserDisabled(context.Background(), id, true)
				return err
			},
			wantErr: ErrLastAdmin,
		},
		{
			name: "demote when the other admin is disabled",
			setup: func(t *testing.T, s *Store) User {
				a := mustCreateUser(t, s, "a@example.com", RoleAdmin)
				b := mustCreateUser(t, s, "b@example.com", RoleAdmin)
				if _, err := s.SetUserDisabled(t.Context(), b.ID, true); err != nil {
					t.Fatal(err)
				}
				return a
			},
			change: func(s *Store, id int64) error {
				_, err := s.SetUserRole(context.Background(), id, RoleViewer)
				return err
			},
			wantErr: ErrLastAdmin,
		},
		{
			name: "demote with another active admin",
			setup: func(t *testing.T, s *Store) User {
				mustCreateUser(t, s, "b@example.com", RoleAdmin)
				return mustCreateUser(t, s, "a@example.com", RoleAdmin)
			},
			change: func(s *Store, id int64) error {
				_, err := s.SetUserRole(context.Background(), id, RoleViewer)
				return err
			},
		},
		{
			name: "disable an operator while one admin exists",
			setup: func(t *testing.T, s *Store) User {
				mustCreateUser(t, s, "a@example.com", RoleAdmin)
				return mustCreateUser(t, s, "op@example.com", RoleOperator)
			},
			change: func(s *Store, id int64) error {
				_, err := s.SetUserDisabled(context.Background(), id, true)
				return err
			},
		},
		{
			name: "keep the only admin an admin",
			setup: func(t *testing.T, s *Store) User {
				return mustCreateUser(t, s, "a@example.com", RoleAdmin)
			},
			change: func(s *Store, id int64) error {
				_, err := s.SetUserRole(context.Background(), id, RoleAdmin)
				return err
			},
		},
		{
			name:  "unknown operator",
			setup: func(t *testing.T, s *Store) User { return User{ID: 999} },
			change: func(s *Store, id int64) error {
				_, err := s.SetUserDisabled(context.Background(), id, true)
				return err
			},
			wantErr: ErrNotFound,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustOpenStore(t)
			u := tc.setup(t, s)
			err := tc.change(s, u.ID)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if errors.Is(tc.wantErr, ErrLastAdmin) {
				if !errors.Is(err, ErrConflict) {
					t.Error("ErrLastAdmin does not wrap ErrConflict")
				}
				after, err := s.UserByID(t.Context(), u.ID)
				if err != nil || after.Role != RoleAdmin || after.Disabled {
					t.Errorf("a refused change was written: %+v %v", after, err)
				}
			}
		})
	}
}

func TestSetUserRoleRejectsUnknownRole(t *testing.T) {
	s := mustOpenStore(t)
	u := mustCreateUser(t, s, "a@example.com", RoleOperator)
	_, err := s.SetUserRole(t.Context(), u.ID, "superuser")
	if fieldIDs(err)["role"] != "err.role" {
		t.Fatalf("error %v, want a role validation error", err)
	}
}

// TestDisableEndsSessions: a disabled operator's sessions are gone at once
// and come back for nobody when they are enabled again.
func TestDisableEndsSessions(t *testing.T) {
	s := mustOpenStore(t)
	mustCreateUser(t, s, "admin@example.com", RoleAdmin)
	op := mustCreateUser(t, s, "op@example.com", RoleOperator)
	other := mustCreateUser(t, s, "other@example.com", RoleOperator)
	tok1, _ := mustSession(t, s, op.ID)
	tok2, _ := mustSession(t, s, op.ID)
	otherTok, _ := mustSession(t, s, other.ID)
	before, err := s.SetUserDisabled(t.Context(), op.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if before.Disabled {
		t.Error("SetUserDisabled should return the operator as it was")
	}
	var n int64
	if err := s.DB().Model(&Session{}).Where("user_id = ?", op.ID).Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("%d sessions left after disabling (%v)", n, err)
	}
	for _, tok := range []string{tok1, tok2} {
		if _, err := s.SessionByToken(t.Context(), tok); !errors.Is(err, ErrNotFound) {
			t.Errorf("session of a disabled operator: %v", err)
		}
	}
	if _, err := s.SessionByToken(t.Context(), otherTok); err != nil {
		t.Errorf("another operator's session ended too: %v", err)
	}
	if _, err := s.Authenticate(t.Context(), "op@example.com", "password123"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a disabled operator signed in: %v", err)
	}
	if _, err := s.SetUserDisabled(t.Context(), op.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(t.Context(), "op@example.com", "password123"); err != nil {
		t.Errorf("enabled operator cannot sign in: %v", err)
	}
	if _, err := s.SessionByToken(t.Context(), tok1); !errors.Is(err, ErrNotFound) {
		t.Error("enabling revived an old session")
	}
}

func TestPasswords(t *testing.T) {
	tests := []struct {
		name       string
		change     func(s *Store, u User, keep string) error
		wantFields map[string]string
		newPW      string
		keepsOwn   bool
	}{
		{
			name: "admin reset ends every session",
			change: func(s *Store, u User, _ string) error {
				return s.SetUserPassword(context.Background(), u.ID, "brand-new-pw", "")
			},
			newPW: "brand-new-pw",
		},
		{
			name: "reset too short",
			change: func(s *Store, u User, _ string) error {
				return s.SetUserPassword(context.Background(), u.ID, "short", "")
			},
			wantFields: map[string]string{"password": "err.password_short"},
		},
		{
			name: "own change keeps the current session",
			change: func(s *Store, u User, keep string) error {
				return s.ChangePassword(context.Background(), u.ID, "password123", "brand-new-pw", keep)
			},
			newPW:    "brand-new-pw",
			keepsOwn: true,
		},
		{
			name: "own change with a wrong current password",
			change: func(s *Store, u User, keep string) error {
				return s.ChangePassword(context.Background(), u.ID, "guess-guess", "brand-new-pw", keep)
			},
			wantFields: map[string]string{"current_password": "err.password_wrong"},
		},
		{
			name: "own change, both wrong",
			change: func(s *Store, u User, keep string) error {
				return s.ChangePassword(context.Background(), u.ID, "", "x", keep)
			},
			wantFields: map[string]string{"current_password": "err.password_wrong", "password": "err.password_short"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustOpenStore(t)
			u := mustCreateUser(t, s, "op@example.com", RoleOperator)
			ownTok, own := mustSession(t, s, u.ID)
			otherTok, _ := mustSession(t, s, u.ID)
			err := tc.change(s, u, own.ID)
			if tc.wantFields != nil {
				got := fieldIDs(err)
				for f, id := range tc.wantFields {
					if got[f] != id {
						t.Errorf("field %s: %q, want %q (%v)", f, got[f], id, err)
					}
				}
				if _, err := s.Authenticate(t.Context(), "op@example.com", "password123"); err != nil {
					t.Error("a refused change altered the password")
				}
				if _, err := s.SessionByToken(t.Context(), otherTok); err != nil {
					t.Error("a refused change ended sessions")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Authenticate(t.Context(), "op@example.com", tc.newPW); err != nil {
				t.Errorf("new password refused: %v", err)
			}
			if _, err := s.Authenticate(t.Context(), "op@example.com", "password123"); err == nil {
				t.Error("old password still works")
			}
			if _, err := s.SessionByToken(t.Context(), otherTok); !errors.Is(err, ErrNotFound) {
				t.Error("another session survived the password change")
			}
			_, err = s.SessionByToken(t.Context(), ownTok)
			if tc.keepsOwn != (err == nil) {
				t.Errorf("own session kept=%v, want %v", err == nil, tc.keepsOwn)
			}
		})
	}
}
