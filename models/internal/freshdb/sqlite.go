package freshdb

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/migrations"
)

// Migrated returns the DSN of a new, migrated database no other test
// uses. On SQLite it is a copy, in t's temp dir, of a template file
// migrated once (migrating each file took ≈300 ms under -race, copying
// takes a few); on PostgreSQL it is DSN's copy of the template database.
// The template file lives in the system temp dir, named by a hash of the
// migration files like the PostgreSQL template, so every package's test
// binary and every later run reuse it until a migration changes.
func Migrated(t testing.TB, migrate Migrate) string {
	t.Helper()
	if IsPostgres() {
		return DSN(t, migrate)
	}
	tmpl, err := sqliteTemplate(migrate)
	if err != nil {
		t.Fatalf("freshdb: %v", err)
	}
	dsn := filepath.Join(t.TempDir(), "test.db")
	if err := copyFile(tmpl, dsn); err != nil {
		t.Fatalf("freshdb: %v", err)
	}
	return dsn
}

// sqliteTemplate returns the path of the migrated template file, building
// it when missing. It is built under a name of its own and renamed into
// place when complete, so neither a process killed halfway nor another
// test binary building it at the same moment leaves a half-migrated
// template behind (a rename over an equal file is harmless).
func sqliteTemplate(migrate Migrate) (string, error) {
	name, err := hashName(migrations.FS)
	if err != nil {
		return "", err
	}
	path := filepath.Join(os.TempDir(), name+".db")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	dir, err := os.MkdirTemp("", name+"-build-")
	if err != nil {
		return "", fmt.Errorf("build the SQLite template: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }() // a build directory; the template is renamed out of it
	build := filepath.Join(dir, "template.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := migrate(ctx, build); err != nil {
		return "", fmt.Errorf("migrate the SQLite template: %w", err)
	}
	// Closed cleanly, the database is all in the main file: no -wal or
	// -shm file is left to copy.
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(build + side); err == nil {
			return "", fmt.Errorf("the SQLite template left %s behind after closing", filepath.Base(build+side))
		}
	}
	if err := os.Rename(build, path); err != nil {
		return "", fmt.Errorf("name the SQLite template: %w", err)
	}
	return path, nil
}

// copyFile copies the template to dst with the mode the product gives a
// database it creates (owner only).
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open the SQLite template: %w", err)
	}
	defer func() { _ = in.Close() }() // read only
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create the test database: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write the test database: %w", cerr)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy the SQLite template: %w", err)
	}
	return nil
}
