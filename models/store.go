// Package models holds pushdeck's data: GORM models, queries and
// transactions. It knows nothing about HTTP.
package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Store is the data layer. It is safe for concurrent use.
type Store struct {
	db     *gorm.DB
	sealer *Sealer
	now    func() time.Time
}

// NewStore wraps an open database. sealer encrypts provider credentials.
func NewStore(db *gorm.DB, sealer *Sealer) *Store {
	return &Store{db: db, sealer: sealer, now: func() time.Time { return time.Now().UTC() }}
}

// DB exposes the handle for benchmarks and tests that build data sets.
func (s *Store) DB() *gorm.DB { return s.db }

// Now is the store's clock (UTC).
func (s *Store) Now() time.Time { return s.now() }

// WithTx runs fn in one transaction, committed when fn returns nil.
func (s *Store) WithTx(ctx context.Context, fn func(tx *Store) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, sealer: s.sealer, now: s.now})
	})
	if err != nil {
		return fmt.Errorf("models: transaction: %w", err)
	}
	return nil
}

func (s *Store) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }
