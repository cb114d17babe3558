package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// IdempotencyWindow is how long an Idempotency-Key is remembered.
const IdempotencyWindow = 24 * time.Hour

// Idempotency is a create request's Idempotency-Key, scoped to who sent it,
// with the SHA-256 of its body; the zero value is none.
type Idempotency struct {
	// Owner is who sent the key (an API key's id): another owner's same
	// key is another key.
	Owner string
	Key   string
	// BodyHash is the hex SHA-256 of the request body.
	BodyHash string
}

// stored is the key's stored form: the hash of owner and key.
func (i Idempotency) stored() string {
	if i.Key == "" {
		return ""
	}
	return ThrottleKey("idempotency", i.Owner, i.Key)
}

// idempotentRepeat finds the campaign created with the same key within
// the window. A repeat with another body is a ValidationError on the
// Idempotency-Key; a key older than the window is forgotten.
func (s *Store) idempotentRepeat(ctx context.Context, in Idempotency) (Campaign, bool, error) {
	var prev Campaign
	cutoff := s.now().Add(-IdempotencyWindow)
	if err := s.conn(ctx).Model(&Campaign{}).Where("idempotency_key = ? AND created_at <= ?", in.stored(), cutoff).
		Update("idempotency_key", nil).Error; err != nil {
		return Campaign{}, false, fmt.Errorf("models: forget idempotency key: %w", err)
	}
	err := s.conn(ctx).Where("idempotency_key = ?", in.stored()).First(&prev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Campaign{}, false, nil
	}
	if err != nil {
		return Campaign{}, false, fmt.Errorf("models: idempotency lookup: %w", err)
	}
	if prev.IdempotencyHash != in.BodyHash {
		v := &ValidationError{}
		v.Add("Idempotency-Key", "err.idempotency_body", nil)
		return Campaign{}, false, v
	}
	// The repeat answers the campaign as the first create did, audience
	// included (it lives in its own table).
	if err := s.loadAudiences(ctx, []*Campaign{&prev}, true); err != nil {
		return Campaign{}, false, fmt.Errorf("models: idempotency lookup: %w", err)
	}
	return prev, true, nil
}
