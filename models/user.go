package models

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// User is an operator who signs in to the console.
type User struct {
	ID           int64
	Email        string
	Name         string
	PasswordHash string `json:"-"`
	Role         Role
	Locale       string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NewUser is the input of CreateUser.
type NewUser struct {
	Email    string
	Name     string
	Password string
	Role     Role
	Locale   string
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// bcryptCost is bcrypt's default; tests lower nothing so they exercise the real cost.
const bcryptCost = bcrypt.DefaultCost

func (in *NewUser) validate() error {
	v := &ValidationError{}
	in.Email = strings.TrimSpace(in.Email)
	if in.Email == "" {
		v.Add("email", "err.required", nil)
	} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		v.Add("email", "err.email", nil)
	}
	validatePassword(v, "password", in.Password)
	if !in.Role.Valid() {
		v.Add("role", "err.role", nil)
	}
	if utf8.RuneCountInString(in.Name) > 100 {
		v.Add("name", "err.too_long", map[string]any{"Max": 100})
	}
	return v.Err()
}

// validatePassword checks a new password's length.
func validatePassword(v *ValidationError, field, pw string) {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		v.Add(field, "err.password_short", map[string]any{"Min": MinPasswordLen})
	} else if len(pw) > 72 {
		// bcrypt ignores bytes past 72; refuse rather than truncate silently.
		v.Add(field, "err.password_long", map[string]any{"Max": 72})
	}
}

// CreateUser validates and stores a new operator with a bcrypt hash. A taken
// e-mail address is a ValidationError on "email".
func (s *Store) CreateUser(ctx context.Context, in NewUser) (User, error) {
	if err := in.validate(); err != nil {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcryptCost)
	if err != nil {
		return User{}, fmt.Errorf("models: hash password: %w", err)
	}
	now := s.now()
	u := User{Email: in.Email, Name: strings.TrimSpace(in.Name), PasswordHash: string(hash), Role: in.Role, Locale: in.Locale, CreatedAt: now, UpdatedAt: now}
	if err := s.conn(ctx).Create(&u).Error; err != nil {
		if e := notFound(err, "create user"); isConflict(e) {
			v := &ValidationError{}
			v.Add("email", "err.email_taken", nil)
			return User{}, v
		}
		return User{}, fmt.Errorf("models: create user %q: %w", in.Email, err)
	}
	return u, nil
}

// CreateFirstAdmin creates the first operator as admin, only while there is
// none (the first-run setup). It returns ErrConflict once an operator exists.
func (s *Store) CreateFirstAdmin(ctx context.Context, in NewUser) (User, error) {
	in.Role = RoleAdmin
	var u User
	err := s.WithTx(ctx, func(tx *Store) error {
		n, err := tx.CountUsers(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("models: first admin: %w", ErrConflict)
		}
		u, err = tx.CreateUser(ctx, in)
		return err
	})
	return u, err
}

// CountUsers counts operators.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: count users: %w", err)
	}
	return n, nil
}

// UserByID loads an operator.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	if err := s.conn(ctx).First(&u, id).Error; err != nil {
		return User{}, notFound(err, fmt.Sprintf("user %d", id))
	}
	return u, nil
}

// UserByEmail loads an operator by e-mail address (case-insensitive).
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	if err := s.conn(ctx).Where("email = ?", strings.TrimSpace(email)).First(&u).Error; err != nil {
		return User{}, notFound(err, "user by email")
	}
	return u, nil
}

// dummyHash keeps Authenticate's timing the same for unknown addresses.
const dummyHash = "$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z0sBDPk6m0yJ2eG0V2rZ0qGm"

// Authenticate checks an e-mail and password. Unknown users, wrong passwords
// and disabled accounts all return ErrNotFound, so callers cannot tell them
// apart (nor can an attacker, by timing).
func (s *Store) Authenticate(ctx context.Context, email, password string) (User, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		_ = bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(password)) // equalise timing; result irrelevant
		return User{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || u.Disabled {
		return User{}, fmt.Errorf("models: authenticate: %w", ErrNotFound)
	}
	return u, nil
}

// SetUserLocale stores an operator's language ("en", "zh-Hans" or "" for the browser's).
func (s *Store) SetUserLocale(ctx context.Context, id int64, locale string) error {
	err := s.conn(ctx).Model(&User{}).Where("id = ?", id).Updates(map[string]any{"locale": locale, "updated_at": s.now()}).Error
	if err != nil {
		return fmt.Errorf("models: set locale of user %d: %w", id, err)
	}
	return nil
}

// ErrLastAdmin refuses a change that would leave no active administrator:
// demoting or disabling the last one would lock everyone out of operators,
// API keys and providers. It wraps ErrConflict.
var ErrLastAdmin = fmt.Errorf("the last active administrator must stay an active administrator: %w", ErrConflict)

// ListUsers lists every operator, disabled ones included, by e-mail address.
// Operators are few (people, not devices), so there is no paging.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var us []User
	if err := s.conn(ctx).Order("email").Find(&us).Error; err != nil {
		return nil, fmt.Errorf("models: list users: %w", err)
	}
	return us, nil
}

// keepAnAdmin returns ErrLastAdmin when u is an active administrator and no
// other active administrator exists. It runs inside the caller's
// transaction, which SQLite takes immediately, so two admins demoting each
// other at once cannot both pass.
func (s *Store) keepAnAdmin(ctx context.Context, u User) error {
	if u.Role != RoleAdmin || u.Disabled {
		return nil
	}
	var n int64
	err := s.conn(ctx).Model(&User{}).Where("role = ? AND disabled = ? AND id <> ?", RoleAdmin, false, u.ID).Count(&n).Error
	if err != nil {
		return fmt.Errorf("models: count admins: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("models: change user %d: %w", u.ID, ErrLastAdmin)
	}
	return nil
}

// SetUserRole changes an operator's role and returns the operator as it
// was before, so callers can record the change. Demoting the last active
// administrator is ErrLastAdmin; an unknown role is a ValidationError.
func (s *Store) SetUserRole(ctx context.Context, id int64, role Role) (User, error) {
	if !role.Valid() {
		v := &ValidationError{}
		v.Add("role", "err.role", nil)
		return User{}, v
	}
	var before User
	err := s.WithTx(ctx, func(tx *Store) error {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		before = u
		if role != RoleAdmin {
			if err := tx.keepAnAdmin(ctx, u); err != nil {
				return err
			}
		}
		return tx.updateUser(ctx, id, map[string]any{"role": role})
	})
	return before, err
}

// SetUserDisabled disables or enables an operator. Disabling ends all of
// the operator's sessions in the same transaction, so they are signed out
// at once; disabling the last active administrator is ErrLastAdmin.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) (User, error) {
	var before User
	err := s.WithTx(ctx, func(tx *Store) error {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		before = u
		if disabled {
			if err := tx.keepAnAdmin(ctx, u); err != nil {
				return err
			}
			if err := tx.DeleteUserSessions(ctx, id); err != nil {
				return err
			}
		}
		return tx.updateUser(ctx, id, map[string]any{"disabled": disabled})
	})
	return before, err
}

// SetUserPassword sets a new password (an administrator's reset) and ends
// the operator's sessions, except keepSession (a session id, for an
// operator resetting their own password; "" ends them all). A password too
// short or too long is a ValidationError on "password".
func (s *Store) SetUserPassword(ctx context.Context, id int64, password, keepSession string) error {
	v := &ValidationError{}
	validatePassword(v, "password", password)
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return fmt.Errorf("models: hash password: %w", err)
	}
	return s.WithTx(ctx, func(tx *Store) error {
		if _, err := tx.UserByID(ctx, id); err != nil {
			return err
		}
		if err := tx.DeleteUserSessionsExcept(ctx, id, keepSession); err != nil {
			return err
		}
		return tx.updateUser(ctx, id, map[string]any{"password_hash": string(hash)})
	})
}

// ChangePassword is an operator changing their own password: the current
// one must match (else a ValidationError on "current_password"), and the
// operator's other sessions end.
func (s *Store) ChangePassword(ctx context.Context, id int64, current, next, keepSession string) error {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return err
	}
	v := &ValidationError{}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		v.Add("current_password", "err.password_wrong", nil)
	}
	validatePassword(v, "password", next)
	if err := v.Err(); err != nil {
		return err
	}
	return s.SetUserPassword(ctx, id, next, keepSession)
}

func (s *Store) updateUser(ctx context.Context, id int64, fields map[string]any) error {
	fields["updated_at"] = s.now()
	res := s.conn(ctx).Model(&User{}).Where("id = ?", id).Updates(fields)
	if res.Error != nil {
		return fmt.Errorf("models: update user %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("models: update user %d: %w", id, ErrNotFound)
	}
	return nil
}
