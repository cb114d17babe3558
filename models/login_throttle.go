package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LoginFailure counts consecutive failed logins for one throttle key. Key
// is the SHA-256 (hex) of what is throttled (ThrottleKey), so a row has a
// fixed size whatever was typed.
type LoginFailure struct {
	Key           string `gorm:"primaryKey"`
	Failures      int
	LastFailureAt time.Time
	LockedUntil   *time.Time
}

// Throttle is the login-throttling policy. The MaxFailures-th consecutive
// failure of a key locks it for Lockout; each failure after that locks it
// twice as long as the one before, up to MaxLockout. A key with no failure (and no
// lock) for Window starts afresh.
type Throttle struct {
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
	MaxLockout  time.Duration
}

// lockFor is the lock after n consecutive failures (0 below the limit).
func (p Throttle) lockFor(n int) time.Duration {
	if n < p.MaxFailures {
		return 0
	}
	maxLock := p.MaxLockout
	if maxLock < p.Lockout {
		maxLock = p.Lockout
	}
	d := p.Lockout
	for i := p.MaxFailures; i < n && d < maxLock; i++ {
		d *= 2
	}
	return min(d, maxLock)
}

// ThrottleKey is the stored key for the parts of a throttle (for example
// "account", an address and a client address): the hash of the parts,
// each length-prefixed so no two part lists collide.
func ThrottleKey(parts ...string) string {
	var b []byte
	for _, p := range parts {
		b = fmt.Appendf(b, "%d:%s;", len(p), p)
	}
	return hashToken(string(b))
}

// LoginLockedUntil returns when the key may try again, or the zero time.
func (s *Store) LoginLockedUntil(ctx context.Context, key string) (time.Time, error) {
	var f LoginFailure
	err := s.conn(ctx).Where("key = ?", key).First(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("models: login lock: %w", err)
	}
	if f.LockedUntil != nil && f.LockedUntil.After(s.now()) {
		return *f.LockedUntil, nil
	}
	return time.Time{}, nil
}

// RecordLoginFailure counts a failure and locks the key once it reaches the
// policy's limit, each lock longer than the one before. It returns the
// lock's end, if any.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, p Throttle) (time.Time, error) {
	var locked time.Time
	err := s.WithTx(ctx, func(tx *Store) error {
		now := tx.now()
		var f LoginFailure
		err := tx.conn(ctx).Where("key = ?", key).First(&f).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			f = LoginFailure{Key: key}
		case err != nil:
			return fmt.Errorf("models: login failure: %w", err)
		case f.quietSince().Add(p.Window).Before(now):
			f = LoginFailure{Key: key}
		}
		f.Failures++
		f.LastFailureAt = now
		if d := p.lockFor(f.Failures); d > 0 {
			until := now.Add(d)
			f.LockedUntil = &until
			locked = until
		}
		if err := tx.conn(ctx).Save(&f).Error; err != nil {
			return fmt.Errorf("models: login failure: %w", err)
		}
		return nil
	})
	return locked, err
}

// quietSince is when the key last failed or its lock ended, whichever is later.
func (f LoginFailure) quietSince() time.Time {
	if f.LockedUntil != nil && f.LockedUntil.After(f.LastFailureAt) {
		return *f.LockedUntil
	}
	return f.LastFailureAt
}

// ClearLoginFailures forgets a key's failures after a successful login.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if err := s.conn(ctx).Where("key = ?", key).Delete(&LoginFailure{}).Error; err != nil {
		return fmt.Errorf("models: clear login failures: %w", err)
	}
	return nil
}

// PruneLoginFailures deletes the rows of keys quiet for longer than window
// (no failure and no lock since): they would start afresh anyway.
func (s *Store) PruneLoginFailures(ctx context.Context, window time.Duration) (int64, error) {
	cutoff := s.now().Add(-window)
	res := s.conn(ctx).Where("last_failure_at < ? AND (locked_until IS NULL OR locked_until < ?)", cutoff, cutoff).Delete(&LoginFailure{})
	if res.Error != nil {
		return 0, fmt.Errorf("models: prune login failures: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ThrottleKeyPolicy is a throttle key with the policy that applies to it.
type ThrottleKeyPolicy struct {
	Key    string
	Policy Throttle
}
