package dbtest_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
)

// TestSchemasAgree migrates a SQLite file and a PostgreSQL database and
// compares what they hold: the same tables, the same columns, the same
// named indexes. A migration written for only one store fails here.
// (Unique constraints are compared through their columns: SQLite names
// them sqlite_autoindex_*, PostgreSQL <table>_<column>_key.)
func TestSchemasAgree(t *testing.T) {
	dbtest.Postgres(t)
	ctx := context.Background()
	lite, err := models.Open(ctx, filepath.Join(t.TempDir(), "schema.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = models.Close(lite) }) // a temp file
	if err := models.Migrate(ctx, lite, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	pg, _ := dbtest.Open(t)

	liteCols := scanStrings(t, lite, `SELECT m.name || '.' || c.name FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'`)
	pgCols := scanStrings(t, pg, `SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`)
	same(t, "columns", liteCols, pgCols)

	liteIdx := scanStrings(t, lite, `SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'`)
	pgIdx := scanStrings(t, pg, `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
		AND indexname NOT LIKE '%\_pkey' AND indexname NOT LIKE '%\_key'`)
	same(t, "indexes", liteIdx, pgIdx)

	liteUnique := scanStrings(t, lite, `SELECT m.name || '(' || (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(i.name) ORDER BY seqno)) || ')'
		FROM sqlite_master m, pragma_index_list(m.name) i WHERE m.type = 'table' AND i.origin = 'u'`)
	pgUnique := scanStrings(t, pg, `SELECT c.conrelid::regclass::text || '(' || string_agg(a.attname, ',' ORDER BY k.ord) || ')'
		FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
		JOIN pg_attribute a ON a.attnum = k.attnum
		WHERE c.contype = 'u' AND a.attrelid = c.conrelid AND c.connamespace = 'public'::regnamespace
		GROUP BY c.oid, c.conrelid`)
	same(t, "unique constraints", liteUnique, pgUnique)
	t.Logf("%d columns, %d indexes, %d unique constraints", len(liteCols), len(liteIdx), len(liteUnique))
}

func scanStrings(t *testing.T, db *gorm.DB, q string) []string {
	t.Helper()
	var out []string
	if err := db.Raw(q).Scan(&out).Error; err != nil {
		t.Fatalf("%s: %v", strings.Fields(q)[0], err)
	}
	slices.Sort(out)
	return out
}

func same(t *testing.T, what string, lite, pg []string) {
	t.Helper()
	for _, x := range lite {
		if !slices.Contains(pg, x) {
			t.Errorf("%s: %s is in SQLite's schema, not in PostgreSQL's", what, x)
		}
	}
	for _, x := range pg {
		if !slices.Contains(lite, x) {
			t.Errorf("%s: %s is in PostgreSQL's schema, not in SQLite's", what, x)
		}
	}
}
