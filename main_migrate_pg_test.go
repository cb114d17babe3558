package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
)

// TestMigrateCopiesTheProduct builds a realistic SQLite database through
// the product, copies it with `pushdeck migrate --from --to`, opens the
// copy with the product on PostgreSQL and asks both the same questions.
func TestMigrateCopiesTheProduct(t *testing.T) {
	target := emptyPostgres(t)
	ctx := t.Context()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	src := filepath.Join(dir, "pushdeck.db")
	f := buildProductDB(t, src)
	key, err := os.ReadFile(filepath.Join(dir, "pushdeck.key"))
	if err != nil {
		t.Fatal(err)
	}
	answers := productAnswers(f)
	want := askAll(t, Config{DB: src}, answers)
	for name, w := range want {
		if strings.HasPrefix(w, "error: ") {
			t.Fatalf("%s on SQLite: %s", name, w)
		}
	}
	before := sha256File(t, src)

	var out, progress bytes.Buffer
	if err := cmdMigrate(ctx, []string{"--from", src, "--to", target}, &out, &progress, log); err != nil {
		t.Fatalf("migrate: %v\n%s", err, progress.String())
	}
	t.Logf("%s%s", progress.String(), out.String())
	for _, line := range []string{"migrate: devices: 6,000 / 6,000 rows", "migrate: deliveries: 1,500 / 1,500 rows"} {
		if !strings.Contains(progress.String(), line) {
			t.Errorf("progress lacks %q", line)
		}
	}
	if notice := "set PUSHDECK_SECRET_KEY to the contents of " + filepath.Join(dir, "pushdeck.key"); !strings.Contains(out.String(), notice) {
		t.Errorf("output lacks the key notice %q:\n%s", notice, out.String())
	}
	if sha256File(t, src) != before {
		t.Error("the SQLite file changed")
	}

	pg := Config{DB: target, SecretKey: secret(strings.TrimSpace(string(key)))}
	checkRowCounts(t, src, target)
	got := askAll(t, pg, answers)
	for _, a := range answers {
		if got[a.name] != want[a.name] {
			t.Errorf("%s differs on PostgreSQL:\n got %s\nwant %s", a.name, got[a.name], want[a.name])
		}
	}

	t.Run("a second run is refused and changes nothing", func(t *testing.T) {
		err := cmdMigrate(ctx, []string{"--from", src, "--to", target}, io.Discard, io.Discard, log)
		if err == nil || !strings.Contains(err.Error(), "not empty: table") {
			t.Fatalf("got %v; want a refusal naming a table", err)
		}
		again := askAll(t, pg, answers)
		for _, a := range answers {
			if again[a.name] != got[a.name] {
				t.Errorf("the refused run changed %s:\n now %s\n was %s", a.name, again[a.name], got[a.name])
			}
		}
		checkRowCounts(t, src, target)
	})
	t.Run("new rows take ids after the copied ones", func(t *testing.T) {
		store, _, closeDB, err := openStore(ctx, pg, log)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { must(t, closeDB()) }()
		u, err := store.CreateUser(ctx, models.NewUser{Email: "second@example.com", Password: "another password", Role: models.RoleViewer})
		if err != nil || u.ID != 2 {
			t.Errorf("new user id %d, %v; want 2", u.ID, err)
		}
	})
}

// askAll opens the database with the product and answers every question,
// each normalized to JSON with times at PostgreSQL's microsecond precision
// in UTC, or "error: …" when the store fails to answer.
func askAll(t *testing.T, cfg Config, answers []answer) map[string]string {
	t.Helper()
	ctx := t.Context()
	store, _, closeDB, err := openStore(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open %s: %v", storeName(cfg.DB), err) // the URL holds the password
	}
	defer func() { must(t, closeDB()) }()
	out := map[string]string{}
	for _, a := range answers {
		v, err := a.ask(ctx, store)
		if err != nil {
			out[a.name] = "error: " + err.Error()
			continue
		}
		out[a.name] = normalized(t, v)
	}
	return out
}

// checkRowCounts compares every table's row count on both sides.
func checkRowCounts(t *testing.T, src, target string) {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }() // test
	rows, err := conn.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'goose_db_version' ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	lite, err := models.OpenReader(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, models.Close(lite)) }()
	for _, name := range tables {
		var n, m int64
		must(t, conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Scan(&n))
		must(t, lite.WithContext(ctx).Raw("SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Row().Scan(&m))
		if n != m {
			t.Errorf("table %s: %d rows on PostgreSQL, %d on SQLite", name, n, m)
		}
	}
}

func storeName(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "PostgreSQL"
	}
	return "SQLite " + dsn
}

func normalized(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	b, err = json.Marshal(truncTimes(tree))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func truncTimes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = truncTimes(e)
		}
	case []any:
		for i, e := range x {
			x[i] = truncTimes(e)
		}
	case string:
		if tm, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return tm.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
		}
	}
	return v
}

func sha256File(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// emptyPostgres is a new PostgreSQL database without a schema, dropped
// when the test ends; the test skips, saying how to run it, off
// PostgreSQL.
func emptyPostgres(t testing.TB) string { return dbtest.EmptyPostgres(t) }

// TestMigrateIntoAMigratedDatabase: a target whose schema the migrations
// already made (no rows yet) is empty too.
func TestMigrateIntoAMigratedDatabase(t *testing.T) {
	target := emptyPostgres(t)
	log := slog.New(slog.DiscardHandler)
	db, err := models.Open(t.Context(), target)
	if err != nil {
		t.Fatal(err)
	}
	must(t, models.Migrate(t.Context(), db, log))
	must(t, models.Close(db))
	src := filepath.Join(t.TempDir(), "pushdeck.db")
	buildProductDB(t, src)
	if err := cmdMigrate(t.Context(), []string{"--from", src, "--to", target}, io.Discard, io.Discard, log); err != nil {
		t.Fatal(err)
	}
	checkRowCounts(t, src, target)
}
