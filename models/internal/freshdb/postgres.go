// Package freshdb makes a new database for one test: a SQLite file path, or
// a PostgreSQL database copied from a migrated template. It takes the
// migration as a function, so both models' own tests and models/dbtest
// (which imports models) can use it.
package freshdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pushdeck/pushdeck/migrations"
)

// EnvURL names the variable that selects PostgreSQL for the test suite.
const EnvURL = "PUSHDECK_TEST_DB"

// Migrate migrates the empty database dsn names.
type Migrate func(ctx context.Context, dsn string) error

// IsPostgres reports whether the suite runs on PostgreSQL.
func IsPostgres() bool {
	u := os.Getenv(EnvURL)
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// DSN returns the DSN of a new database no other test uses: a file path
// in t's temp dir on SQLite (not created yet), a new database copied from
// the migrated template on PostgreSQL. It goes away when the test ends.
func DSN(t testing.TB, migrate Migrate) string {
	t.Helper()
	if !IsPostgres() {
		return filepath.Join(t.TempDir(), "test.db")
	}
	dsn, err := freshPostgres(t, os.Getenv(EnvURL), migrate)
	if err != nil {
		t.Fatalf("freshdb: %v", err)
	}
	return dsn
}

// templateLock is the advisory lock key under which one process builds
// the template database while the others wait for it.
const templateLock = 0x7075736864656b // "pushdek"

// freshPostgres creates a database for one test by copying the migrated
// template (milliseconds, where migrating each database would take a
// second) and drops it when the test ends. The template is named by a hash
// of the migration files, so every package's test binary, and every later
// run, reuses it until a migration changes; no state is kept in the
// process.
func freshPostgres(t testing.TB, adminURL string, migrate Migrate) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("connect to %s's server: %w", EnvURL, err)
	}
	defer func() { _ = admin.Close(ctx) }() // nothing was written through it that could be lost
	tmpl, err := templateName()
	if err != nil {
		return "", err
	}
	if err := ensureTemplate(ctx, admin, adminURL, tmpl, migrate); err != nil {
		return "", err
	}
	name, err := randomName()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(tmpl)); err != nil {
		return "", fmt.Errorf("create test database from %s: %w", tmpl, err)
	}
	t.Cleanup(func() { dropDatabase(t, adminURL, name) })
	return withDatabase(adminURL, name)
}

// ensureTemplate builds the template unless it exists. It is built under
// another name and renamed when complete, so a process killed halfway
// leaves no half-migrated template behind.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, adminURL, tmpl string, migrate Migrate) error {
	if ok, err := databaseExists(ctx, admin, tmpl); err != nil || ok {
		return err
	}
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return fmt.Errorf("lock the template: %w", err)
	}
	defer func() { _, _ = admin.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLock) }() // closing the connection releases it too
	if ok, err := databaseExists(ctx, admin, tmpl); err != nil || ok {
		return err // built by another process while this one waited
	}
	build := tmpl + "_build"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(build)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop a half-built template: %w", err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident(build)); err != nil {
		return fmt.Errorf("create the template: %w", err)
	}
	dsn, err := withDatabase(adminURL, build)
	if err != nil {
		return err
	}
	if err := migrate(ctx, dsn); err != nil {
		return fmt.Errorf("migrate the template: %w", err)
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+ident(build)+" RENAME TO "+ident(tmpl)); err != nil {
		return fmt.Errorf("name the template: %w", err)
	}
	return nil
}

func databaseExists(ctx context.Context, c *pgx.Conn, name string) (bool, error) {
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		return false, fmt.Errorf("look for database %s: %w", name, err)
	}
	return n > 0, nil
}

// dropDatabase removes a test's database, ending connections the test
// left open (WITH FORCE) so a leak cannot fail the next test. FORCE is
// refused (42501) while an autovacuum worker is in the database: the role
// may not signal it. A plain DROP makes the server cancel the worker
// itself, and fails (55006) only while the test's own connections are
// still there, which the next FORCE ends; the two alternate until one
// works or 30 s pass.
func dropDatabase(t testing.TB, adminURL, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Errorf("freshdb: drop %s: %v", name, err)
		return
	}
	defer func() { _ = admin.Close(ctx) }() // as in freshPostgres
	force := true
	for {
		stmt := "DROP DATABASE IF EXISTS " + ident(name)
		if force {
			stmt += " WITH (FORCE)"
		}
		_, err := admin.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "55006") {
			if err != nil {
				t.Errorf("freshdb: drop %s: %v", name, err)
			}
			return
		}
		force = pgErr.Code == "55006"
		select {
		case <-ctx.Done():
			t.Errorf("freshdb: drop %s: %v", name, err)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// templateName is pushdeck_tmpl_ and a hash of every PostgreSQL migration
// file's name and content.
func templateName() (string, error) { return hashName(migrations.Postgres) }

// hashName is pushdeck_tmpl_ and a hash of every file's name and content
// in files.
func hashName(files fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash the migrations: %w", err)
	}
	return "pushdeck_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

func randomName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("name a test database: %w", err)
	}
	return "pushdeck_t_" + hex.EncodeToString(b), nil
}

// withDatabase is the URL u with its database replaced by name.
func withDatabase(u, name string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("%s is not a URL", EnvURL) // the URL may hold a password: not repeated
	}
	p.Path = "/" + name
	return p.String(), nil
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
