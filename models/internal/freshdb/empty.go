package freshdb

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Empty returns the URL of a new PostgreSQL database with no schema at all
// (not copied from the template), for tests of what fills one — the copy
// from SQLite — and drops it when the test ends. The suite must run on
// PostgreSQL.
func Empty(t testing.TB) string {
	t.Helper()
	adminURL := os.Getenv(EnvURL)
	dsn, err := emptyPostgres(t, adminURL)
	if err != nil {
		t.Fatalf("freshdb: %v", err)
	}
	return dsn
}

func emptyPostgres(t testing.TB, adminURL string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("connect to %s's server: %w", EnvURL, err)
	}
	defer func() { _ = admin.Close(ctx) }() // nothing was written through it that could be lost
	name, err := randomName()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident(name)); err != nil {
		return "", fmt.Errorf("create empty test database: %w", err)
	}
	t.Cleanup(func() { dropDatabase(t, adminURL, name) })
	return withDatabase(adminURL, name)
}
