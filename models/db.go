package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/pushdeck/pushdeck/migrations"
)

// Open opens the SQLite database at path with the pragmas pushdeck relies on:
// WAL (readers never block the writer), synchronous=NORMAL (durable at
// checkpoints, ≈2× faster commits than FULL), a busy timeout, foreign keys,
// and immediate transactions. FACTS.md measured 53–66 % "database is locked"
// failures for read-then-write transactions with deferred locking; BEGIN
// IMMEDIATE takes the write lock up front so they wait instead of failing.
//
// The pool has one connection: SQLite has one writer anyway, and a single
// connection keeps its page cache warm across the engine's write
// transactions (with several, each transaction lands on a connection whose
// cache the others' writes made stale). Heavy reads go through a separate
// pool from OpenReader, so they never wait behind writes (WAL readers see
// the last commit).
//
// A postgres:// or postgresql:// URL opens PostgreSQL instead, with a pool
// sized for parallel writers (see openPostgres).
func Open(ctx context.Context, path string) (*gorm.DB, error) {
	if IsPostgresURL(path) {
		return openPostgres(ctx, path, pgWriteConns)
	}
	return open(ctx, path, 1)
}

// OpenReader opens a read pool on the same database, for Store.WithReader.
func OpenReader(ctx context.Context, path string) (*gorm.DB, error) {
	if IsPostgresURL(path) {
		return openPostgres(ctx, path, pgReadConns)
	}
	return open(ctx, path, 8)
}

func open(ctx context.Context, path string, conns int) (*gorm.DB, error) {
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	q.Set("_foreign_keys", "on")
	q.Set("_loc", "UTC")
	dsn := "file:" + path + "?" + q.Encode()
	// Every connection turns off the automatic WAL checkpoint: it would run
	// (with its fsyncs) inside whichever write transaction crosses the
	// threshold, stalling the engine's single writer for tens of
	// milliseconds. RunCheckpoints does it in the background instead, and
	// SQLite checkpoints when the last connection closes.
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
		if _, err := conn.Exec("PRAGMA wal_autocheckpoint = 0", nil); err != nil {
			return fmt.Errorf("models: wal_autocheckpoint: %w", err)
		}
		return nil
	}}
	pool := sql.OpenDB(connector{dsn: dsn, drv: drv})
	db, err := gorm.Open(sqlite.New(sqlite.Config{Conn: pool}), &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
		TranslateError:         true,
	})
	if err != nil {
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close() // the ping error is the one worth returning
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	return db, nil
}

// createPrivate creates the database file, when it does not exist yet,
// readable by its owner only: it holds sessions, key hashes and sealed
// credentials. SQLite gives the -wal and -shm files it creates beside it
// the database file's permissions, so they are private too. An existing
// file keeps the mode its operator gave it.
func createPrivate(path string) error {
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("models: create database %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("models: create database %s: %w", path, err)
	}
	return nil
}

// connector opens mattn connections with our driver settings, without
// registering a driver name in database/sql's global table.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// RunCheckpoints checkpoints the WAL every interval until ctx ends: a
// PASSIVE checkpoint copies committed pages into the database without
// blocking the writer or readers, keeping the WAL (and read cost) bounded.
// Give it the read pool, so it never holds the single write connection.
// On PostgreSQL, which checkpoints on its own, it returns at once.
func RunCheckpoints(ctx context.Context, db *gorm.DB, interval time.Duration, log *slog.Logger) {
	if db.Dialector.Name() != dialectSQLite {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			var busy, logFrames, done int
			err := db.WithContext(ctx).Raw("PRAGMA wal_checkpoint(PASSIVE)").Row().Scan(&busy, &logFrames, &done)
			if err != nil && ctx.Err() == nil {
				log.Warn("wal checkpoint", slog.Any("error", err))
			}
		}
	}
}

// Migrate applies every pending migration for db's store (migrations/ for
// SQLite, migrations/postgres/ for PostgreSQL) and logs each one.
func Migrate(ctx context.Context, db *gorm.DB, log *slog.Logger) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	if db.Dialector.Name() == dialectPostgres {
		return migratePostgres(ctx, sqlDB, log)
	}
	return migrateSQL(ctx, sqlDB, log)
}

func migrateSQL(ctx context.Context, sqlDB *sql.DB, log *slog.Logger) error {
	return runGoose(ctx, goose.DialectSQLite3, sqlDB, migrations.FS, log)
}

func migratePostgres(ctx context.Context, sqlDB *sql.DB, log *slog.Logger) error {
	files, err := fs.Sub(migrations.Postgres, migrations.PostgresDir)
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	return runGoose(ctx, goose.DialectPostgres, sqlDB, files, log)
}

func runGoose(ctx context.Context, dialect goose.Dialect, sqlDB *sql.DB, files fs.FS, log *slog.Logger) error {
	p, err := goose.NewProvider(dialect, sqlDB, files)
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", slog.Int64("version", r.Source.Version), slog.String("file", r.Source.Path), slog.Duration("took", r.Duration))
	}
	return nil
}

// Close closes the database's connection pool.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("models: close: %w", err)
	}
	if err := sqlDB.Close(); err != nil {
		return fmt.Errorf("models: close: %w", err)
	}
	return nil
}
