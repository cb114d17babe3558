// Package dbtest opens fresh, migrated pushdeck databases for tests: a
// SQLite file in the test's temp dir by default, or, when PUSHDECK_TEST_DB
// holds a postgres:// URL, a new PostgreSQL database on that server, copied
// from a migrated template and dropped when the test ends.
//
// It is an ordinary package (not a _test file) so every package's tests
// can share it; only test binaries import it.
package dbtest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"gorm.io/gorm"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/internal/freshdb"
)

// EnvURL names the variable that selects PostgreSQL for the test suite.
const EnvURL = freshdb.EnvURL

// DB is one fresh, migrated test database.
type DB struct {
	// DSN opens it again (a file path or a postgres:// URL), for a
	// subprocess or a second pool; pass it to --db.
	DSN string
	// Write and Read are the write and read pools, as main.go opens
	// them; both are closed when the test ends.
	Write, Read *gorm.DB
}

// IsPostgres reports whether the suite runs on PostgreSQL.
func IsPostgres() bool { return freshdb.IsPostgres() }

// New returns a fresh migrated database on the store the suite runs on.
func New(t testing.TB) DB {
	t.Helper()
	dsn := freshdb.Migrated(t, migrate)
	ctx := context.Background()
	w, err := models.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { closeDB(t, w) })
	// Already migrated from the template: this only checks it is current.
	if err := models.Migrate(ctx, w, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	r, err := models.OpenReader(ctx, dsn)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { closeDB(t, r) })
	return DB{DSN: dsn, Write: w, Read: r}
}

// Open is New's two pools.
func Open(t testing.TB) (write, read *gorm.DB) {
	t.Helper()
	db := New(t)
	return db.Write, db.Read
}

// Postgres skips t unless the suite runs on PostgreSQL, saying how to run
// it; tests of PostgreSQL-only behaviour start with it.
func Postgres(t testing.TB) {
	t.Helper()
	if !IsPostgres() {
		t.Skipf("PostgreSQL test: run with %s=postgres://user:password@localhost:5432/db?sslmode=disable go test ./...", EnvURL)
	}
}

// EmptyPostgres returns the URL of a new PostgreSQL database without a
// schema (dropped when the test ends), skipping t, with how to run it,
// unless the suite runs on PostgreSQL.
func EmptyPostgres(t testing.TB) string {
	t.Helper()
	Postgres(t)
	return freshdb.Empty(t)
}

// SkipOnPostgres skips t when the suite runs on PostgreSQL: for tests of
// SQLite's own machinery (pragmas, file modes, WAL), with the reason.
func SkipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if IsPostgres() {
		t.Skipf("SQLite only: %s", why)
	}
}

// Fresh returns the DSN of a new database that no other test uses: a file
// path in t's temp dir on SQLite (created when opened), a new database
// copied from the migrated template on PostgreSQL (dropped when the test
// ends).
func Fresh(t testing.TB) string {
	t.Helper()
	return freshdb.DSN(t, migrate)
}

// migrate opens dsn as the product does and migrates it.
func migrate(ctx context.Context, dsn string) error {
	db, err := models.Open(ctx, dsn)
	if err != nil {
		return err
	}
	err = models.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if cerr := models.Close(db); err == nil {
		err = cerr
	}
	return err
}

func closeDB(t testing.TB, db *gorm.DB) {
	if err := models.Close(db); err != nil {
		t.Errorf("dbtest: %v", err)
	}
}
