package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pushdeck/pushdeck/models"
)

// TestMigrateCopiesTheProduct builds a realistic SQLite database through
// the product, copies it with `pushdeck migrate --from --to`, opens the
// copy with the product on PostgreSQL and asks both the same questions.
func TestMigrateCopiesTheProduct(t *testing.T) {
	target := freshPostgres(t)
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
	got := askAll(t, pg, answers)
	for _, a := range answers {
		if !reflect.DeepEqual(got[a.name], want[a.name]) {
			t.Errorf("%s differs on PostgreSQL:\n got %s\nwant %s", a.name, got[a.name], want[a.name])
		}
	}

	t.Run("a second run is refused and changes nothing", func(t *testing.T) {
		err := cmdMigrate(ctx, []string{"--from", src, "--to", target}, io.Discard, io.Discard, log)
		if err == nil || !strings.Contains(err.Error(), "not empty: table") {
			t.Fatalf("got %v; want a refusal naming a table", err)
		}
		if again := askAll(t, pg, answers); !reflect.DeepEqual(again, got) {
			t.Error("the refused run changed the target")
		}
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
// in UTC.
func askAll(t *testing.T, cfg Config, answers []answer) map[string]string {
	t.Helper()
	ctx := t.Context()
	store, _, closeDB, err := openStore(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open %s: %v", cfg.DB, err)
	}
	defer func() { must(t, closeDB()) }()
	out := map[string]string{}
	for _, a := range answers {
		v, err := a.ask(ctx, store)
		if err != nil {
			t.Errorf("%s on %s: %v", a.name, cfg.DB, err)
			continue
		}
		out[a.name] = normalized(t, v)
	}
	return out
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

// freshPostgres creates an empty database on the server PUSHDECK_TEST_DB
// points to and returns its URL; the database is dropped after the test.
func freshPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PUSHDECK_TEST_DB")
	if base == "" {
		t.Skip("PostgreSQL tests need PUSHDECK_TEST_DB=postgres://user:pass@host:5432/db?sslmode=disable (a role that may create databases)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PUSHDECK_TEST_DB: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close(context.Background()) }) // test teardown
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	name := "pushdeck_migrate_" + hex.EncodeToString(b)
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
