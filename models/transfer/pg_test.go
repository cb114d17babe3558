package transfer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// emptyPostgres creates a new, empty PostgreSQL database (no schema) on
// the server PUSHDECK_TEST_DB points to and returns its URL; it is dropped
// when the test ends. Without PUSHDECK_TEST_DB the test is skipped with how
// to run it.
func emptyPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PUSHDECK_TEST_DB")
	if base == "" {
		t.Skip("PostgreSQL test: run with PUSHDECK_TEST_DB=postgres://user:password@localhost:5432/db?sslmode=disable go test ./... (a role that may create databases)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PUSHDECK_TEST_DB: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close(context.Background()) }) // test teardown
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	name := "pushdeck_copy_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PUSHDECK_TEST_DB: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
