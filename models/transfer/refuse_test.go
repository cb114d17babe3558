package transfer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestRunRefusesBadSources needs no PostgreSQL: each source is refused
// before the target is reached (the URL points nowhere).
func TestRunRefusesBadSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corrupt := append([]byte(sqliteHeader), bytes.Repeat([]byte{0xAB}, 4096)...)
	foreign := mustSQLite(t, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);")
	older := mustSQLite(t, "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY, version_id INTEGER, is_applied INTEGER); INSERT INTO goose_db_version VALUES (1, 0, 1), (2, 1, 1);")
	tests := []struct {
		name, from, want string
		version          int64
	}{
		{"missing file", filepath.Join(dir, "nope.db"), "no such file", 2},
		{"a directory", dir, "is a directory", 2},
		{"empty file", write("empty.db", nil), "not a SQLite database (the file is too short)", 2},
		{"text file", write("notes.txt", []byte("these are not the tables you are looking for")), "not a SQLite database", 2},
		{"corrupt SQLite", write("corrupt.db", corrupt), "corrupt.db", 2},
		{"foreign SQLite", foreign, "not a pushdeck database", 2},
		{"older schema", older, "is at migration 1, this pushdeck at 2", 2},
		{"newer schema", older, "is at migration 1, newer than this pushdeck's 0", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(t.Context(), Options{From: tc.from, To: "postgres://nobody@127.0.0.1:1/none", Version: tc.version, Progress: io.Discard})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want an error containing %q", err, tc.want)
			}
			t.Log(err)
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestRunRefusesUnreachableTarget(t *testing.T) {
	src := mustSQLite(t, sqliteFixture)
	_, err := Run(t.Context(), Options{From: src, To: "postgres://pushdeck:hunter2@127.0.0.1:1/pushdeck?connect_timeout=5", Version: 2, Progress: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "target 127.0.0.1/pushdeck") {
		t.Fatalf("got %v; want a connection error naming host and database", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the password leaked: %v", err)
	}
}

// TestRunLeavesTargetEmptyOnFailure: a row PostgreSQL refuses in the last
// table (in copy order) rolls back the tables copied before it.
func TestRunLeavesTargetEmptyOnFailure(t *testing.T) {
	url := emptyPostgres(t)
	src := mustSQLite(t, sqliteFixture+"INSERT INTO parents VALUES (8, 'bad', 2, '2026-12-05', NULL, x'', '{}', 0, 0);")
	_, err := Run(t.Context(), Options{From: src, To: url, Version: 2, Migrate: schemaMigrate(url, postgresFixture), Progress: io.Discard})
	if !errors.Is(err, errNotConvertible) || !strings.Contains(err.Error(), "column on_flag") {
		t.Fatalf("got %v; want a conversion error naming on_flag", err)
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(t.Context()) }() // test
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT (SELECT count(*) FROM parents) + (SELECT count(*) FROM children) + (SELECT count(*) FROM pairs)").Scan(&n); err != nil || n != 0 {
		t.Errorf("target holds %d rows (%v) after a failed copy, want 0", n, err)
	}
}

// TestRunRefusesAnOrphan: a row whose parent is missing (SQLite kept it,
// with its foreign keys off at some point) fails the key's check after the
// load, naming the key, and the target keeps its schema and no rows.
func TestRunRefusesAnOrphan(t *testing.T) {
	url := emptyPostgres(t)
	src := mustSQLite(t, "PRAGMA foreign_keys = OFF;"+sqliteFixture+"INSERT INTO children (id, parent_id) VALUES (20, 99);")
	_, err := Run(t.Context(), Options{From: src, To: url, Version: 2, Migrate: schemaMigrate(url, postgresFixture), Progress: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "foreign key children_parent_id_fkey of children") {
		t.Fatalf("got %v; want the key named", err)
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(t.Context()) }() // test
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT (SELECT count(*) FROM parents) + (SELECT count(*) FROM children)").Scan(&n); err != nil || n != 0 {
		t.Errorf("target holds %d rows (%v), want 0", n, err)
	}
	if got := catalog(t, conn); got != fixtureCatalog {
		t.Errorf("keys and indexes after the refusal:\n%s", got)
	}
}

func TestRunRefusesASchemaMismatch(t *testing.T) {
	tests := []struct {
		name, sqlite, want string
	}{
		{"a table PostgreSQL lacks", "CREATE TABLE orphans (id INTEGER PRIMARY KEY);", "table orphans has no counterpart"},
		{"a column PostgreSQL lacks", "ALTER TABLE pairs ADD COLUMN extra TEXT;", "table pairs: column extra has no counterpart"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := emptyPostgres(t)
			src := mustSQLite(t, sqliteFixture+tc.sqlite)
			_, err := Run(t.Context(), Options{From: src, To: url, Version: 2, Migrate: schemaMigrate(url, postgresFixture), Progress: io.Discard})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want %q", err, tc.want)
			}
		})
	}
}

// TestRunWaitsBoundedForLockedTables: a target whose tables another
// session holds (a running instance) is refused after the wait, empty.
func TestRunWaitsBoundedForLockedTables(t *testing.T) {
	url := emptyPostgres(t)
	ctx := t.Context()
	src := mustSQLite(t, sqliteFixture)
	if err := schemaMigrate(url, postgresFixture)(ctx); err != nil {
		t.Fatal(err)
	}
	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Close(ctx) }() // test
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // releases the lock
	if _, err := tx.Exec(ctx, "LOCK TABLE pairs IN ROW EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	_, err = Run(ctx, Options{From: src, To: url, Version: 2, Progress: io.Discard, LockWait: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "stop every pushdeck instance using the target first") {
		t.Fatalf("got %v; want a lock timeout asking to stop the instances", err)
	}
}
