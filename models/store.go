// Package models holds pushdeck's data: GORM models, queries and
// transactions. It knows nothing about HTTP.
package models

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Store is the data layer. It is safe for concurrent use.
type Store struct {
	db *gorm.DB
	// rdb is the read pool for heavy reads (lists, exports, counts); the
	// write pool when none was given.
	rdb    *gorm.DB
	sealer *Sealer
	now    func() time.Time
	// wmu serialises this process's write transactions. SQLite has one
	// writer; letting transactions queue here instead of in SQLite's busy
	// handler (which sleeps 1–100 ms between tries) keeps the engine's
	// many short write transactions back to back. On PostgreSQL it still
	// serialises this process's write transactions, whose read-then-write
	// steps were written for one writer; batch claims, whose UPDATE checks
	// its own conditions, go without it (lockSerialWrite). inTx marks a
	// Store bound to a transaction, which already holds the lock.
	wmu  *sync.Mutex
	inTx bool
	// dialect is the SQL that differs between SQLite and PostgreSQL,
	// chosen in NewStore.
	dialect sqlDialect
}

// NewStore wraps an open database. sealer encrypts provider credentials.
func NewStore(db *gorm.DB, sealer *Sealer) *Store {
	d := dialectFor(db)
	return &Store{db: db, rdb: db, sealer: sealer, now: d.now, wmu: &sync.Mutex{}, dialect: d}
}

// WithReader makes heavy reads use a separate read pool (OpenReader).
func (s *Store) WithReader(rdb *gorm.DB) *Store {
	c := *s
	c.rdb = rdb
	return &c
}

// read is the handle for read-only queries that may scan many rows: the
// read pool, or the transaction when s is bound to one. Code that streams
// rows must load each page before calling back into the store, so it never
// holds a connection while waiting for another.
func (s *Store) read(ctx context.Context) *gorm.DB {
	if s.inTx {
		return s.db.WithContext(ctx)
	}
	return s.rdb.WithContext(ctx)
}

// lockWrite takes the write lock unless s is inside a transaction; the
// returned func releases it.
func (s *Store) lockWrite() func() {
	if s.inTx {
		return func() {}
	}
	s.wmu.Lock()
	return s.wmu.Unlock
}

// lockSerialWrite is lockWrite where the database has a single writer
// (SQLite), and nothing where writers run in parallel (PostgreSQL), for
// statements whose own conditions keep them correct when they race.
func (s *Store) lockSerialWrite() func() {
	if !s.dialect.serialWrites {
		return func() {}
	}
	return s.lockWrite()
}

// DB exposes the handle for benchmarks and tests that build data sets.
func (s *Store) DB() *gorm.DB { return s.db }

// Now is the store's clock (UTC).
func (s *Store) Now() time.Time { return s.now() }

// WithTx runs fn in one transaction, committed when fn returns nil.
func (s *Store) WithTx(ctx context.Context, fn func(tx *Store) error) error {
	defer s.lockWrite()()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(s.bound(tx))
	})
	if err != nil {
		return fmt.Errorf("models: transaction: %w", err)
	}
	return nil
}

func (s *Store) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// bound is s working inside the transaction tx.
func (s *Store) bound(tx *gorm.DB) *Store {
	return &Store{db: tx, rdb: tx, sealer: s.sealer, now: s.now, wmu: s.wmu, inTx: true, dialect: s.dialect}
}

// raw is the store's connection pool or transaction for database/sql
// statements, with the dialect's placeholders.
func (s *Store) raw() rawPool { return rawPool{p: s.db.Statement.ConnPool, rebind: s.dialect.rebind} }
