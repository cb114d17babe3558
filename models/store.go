// Package models holds pushdeck's data: GORM models, queries and
// transactions. It knows nothing about HTTP.
package models

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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
	// steps were written for one writer, except the engine's: batch
	// claims, whose UPDATE checks its own conditions (lockSerialWrite),
	// and the transactions that take row locks for their read-then-write
	// steps instead (parallelTx) — a second instance runs them alongside
	// this one's anyway. inTx marks a Store bound to a transaction, which
	// already holds the lock.
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

// ParallelWrites reports whether the database runs write transactions in
// parallel (PostgreSQL), so the engine may record outcomes from several
// goroutines at once; false for SQLite's single writer.
func (s *Store) ParallelWrites() bool { return !s.dialect.serialWrites }

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

// parallelTx is WithTx for a transaction that keeps itself correct with
// row locks where writers run in parallel (PostgreSQL): it goes without
// the write lock there, and is run again when the server aborted it to
// break a deadlock or a serialization conflict (fn must start from
// scratch each time). On SQLite it is WithTx.
func (s *Store) parallelTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.dialect.serialWrites || s.inTx {
		return s.WithTx(ctx, fn)
	}
	var err error
	for try := 1; ; try++ {
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(s.bound(tx))
		})
		if err == nil || try == txTries || !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("models: transaction: %w", err)
	}
	return nil
}

// txTries bounds parallelTx's attempts: a deadlock needs two transactions
// taking the same rows in opposite orders, which the engine's avoid
// (batches by id, then campaigns by id), so a repeat means something else.
const txTries = 4

// retryable reports whether the server aborted a transaction only to
// break a deadlock (40P01) or a serialization conflict (40001): running
// it again is expected to succeed.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// lockCampaign locks a campaign's row until the transaction ends where
// writers run in parallel, so the state read after it stays true until
// the commit; nothing on SQLite, whose writer is alone.
func (s *Store) lockCampaign(ctx context.Context, id int64) error {
	if s.dialect.rowLock == "" {
		return nil
	}
	var got []int64
	if err := s.conn(ctx).Raw(`SELECT id FROM campaigns WHERE id = ?`+s.dialect.rowLock, id).Scan(&got).Error; err != nil {
		return fmt.Errorf("models: lock campaign %d: %w", id, err)
	}
	return nil
}

// lockPendingBatches locks a campaign's pending batches, in id order (the
// order every transaction that locks several batches takes them in),
// where writers run in parallel; nothing on SQLite.
func (s *Store) lockPendingBatches(ctx context.Context, campaignID int64) error {
	if s.dialect.rowLock == "" {
		return nil
	}
	var got []int64
	err := s.conn(ctx).Raw(`SELECT id FROM batches WHERE campaign_id = ? AND status = 'pending' ORDER BY id`+s.dialect.rowLock, campaignID).Scan(&got).Error
	if err != nil {
		return fmt.Errorf("models: lock pending batches of campaign %d: %w", campaignID, err)
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
