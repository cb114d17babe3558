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
	if utf8.RuneCountInString(in.Password) < MinPasswordLen {
		v.Add("password", "err.password_short", map[string]any{"Min": MinPasswordLen})
	} else if len(in.Password) > 72 {
		// bcrypt ignores bytes past 72; refuse rather than truncate silently.
		v.Add("password", "err.password_long", map[string]any{"Max": 72})
	}
	if !in.Role.Valid() {
		v.Add("role", "err.role", nil)
	}
	if utf8.RuneCountInString(in.Name) > 100 {
		v.Add("name", "err.too_long", map[string]any{"Max": 100})
	}
	return v.Err()
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
