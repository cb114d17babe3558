package transfer

import (
	"testing"

	"github.com/pushdeck/pushdeck/models/dbtest"
)

// emptyPostgres is a new PostgreSQL database without a schema, dropped
// when the test ends; the test skips, saying how to run it, off
// PostgreSQL.
func emptyPostgres(t testing.TB) string { return dbtest.EmptyPostgres(t) }
