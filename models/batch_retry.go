package models

import (
	"context"
	"fmt"
	"time"
)

// ReleaseBatch gives back a leased batch that was not sent (its campaign
// stopped sending while it waited): free to claim at once, and the claim
// that leased it does not count as an attempt. A lost lease is not an
// error: whoever holds the batch now decides.
func (s *Store) ReleaseBatch(ctx context.Context, b Batch) error {
	defer s.lockWrite()()
	// A batch given back before its first request was never sent: its
	// de-duplication window has not started.
	_, err := s.rawExec(ctx, `UPDATE batches SET lease_owner = '', lease_expires_at = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = ?,
		first_attempt_at = CASE WHEN attempts <= 1 THEN NULL ELSE first_attempt_at END
		WHERE id = ? AND status = 'pending' AND lease_owner = ?`, s.now(), b.ID, b.LeaseOwner)
	if err != nil {
		return fmt.Errorf("models: release batch %d: %w", b.ID, err)
	}
	return nil
}

// RetryBatch releases a batch for another attempt at next, keeping its
// request id, and keeps the provider's error and its time for the pages
// that show retrying batches. A lost lease returns ErrConflict.
func (s *Store) RetryBatch(ctx context.Context, b Batch, next time.Time, code, msg string) error {
	defer s.lockWrite()()
	now := s.now()
	r := s.conn(ctx).Exec(`UPDATE batches SET next_attempt_at = ?, last_code = ?, last_error = ?, last_error_at = ?, lease_owner = '', lease_expires_at = NULL, updated_at = ?
		WHERE id = ? AND status = 'pending' AND lease_owner = ?`, next, code, truncate(msg, 500), now, now, b.ID, b.LeaseOwner)
	if r.Error != nil {
		return fmt.Errorf("models: retry batch %d: %w", b.ID, r.Error)
	}
	if r.RowsAffected == 0 {
		return fmt.Errorf("models: retry batch %d: lease lost: %w", b.ID, ErrConflict)
	}
	return nil
}

// ExtendLease keeps a long-running batch leased.
func (s *Store) ExtendLease(ctx context.Context, b Batch, lease time.Duration) error {
	defer s.lockWrite()()
	r := s.conn(ctx).Exec(`UPDATE batches SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'pending'`, s.now().Add(lease), b.ID, b.LeaseOwner)
	if r.Error != nil {
		return fmt.Errorf("models: extend lease of batch %d: %w", b.ID, r.Error)
	}
	if r.RowsAffected == 0 {
		return fmt.Errorf("models: extend lease of batch %d: %w", b.ID, ErrConflict)
	}
	return nil
}

// SetBatchKey keeps the key a provider issued for a batch the caller
// holds the lease of, before any request carries it: a batch keeps its
// first key for good, so every attempt sends the same one. It returns
// ErrConflict when the lease was lost or the batch already has a key.
func (s *Store) SetBatchKey(ctx context.Context, b Batch, key string) error {
	defer s.lockWrite()()
	r := s.conn(ctx).Exec(`UPDATE batches SET provider_key = ? WHERE id = ? AND lease_owner = ? AND status = 'pending' AND provider_key = ''`, key, b.ID, b.LeaseOwner)
	if r.Error != nil {
		return fmt.Errorf("models: set the provider key of batch %d: %w", b.ID, r.Error)
	}
	if r.RowsAffected == 0 {
		return fmt.Errorf("models: set the provider key of batch %d: %w", b.ID, ErrConflict)
	}
	return nil
}
