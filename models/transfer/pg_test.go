package transfer

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pushdeck/pushdeck/models/dbtest"
)

// emptyPostgres is a new PostgreSQL database with nothing in it, not
// even the schema (dbtest's fresh database with its public schema made
// anew), dropped when the test ends. It skips the test, saying how to run
// it, unless PUSHDECK_TEST_DB is set.
func emptyPostgres(t testing.TB) string {
	t.Helper()
	dbtest.Postgres(t)
	dsn := dbtest.Fresh(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }() // test setup
	if _, err := conn.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatalf("empty the database: %v", err)
	}
	return dsn
}
