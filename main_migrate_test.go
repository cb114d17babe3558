package main

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// TestMigrateCopyRefuses: the copy's command-line mistakes and bad sources
// end with one line and a non-zero exit, before any target is touched.
func TestMigrateCopyRefuses(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	const pg = "postgres://nobody@127.0.0.1:1/none"
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"--from alone", []string{"--from", notDB}, true, "--from and --to go together"},
		{"--to alone", []string{"--to", pg}, true, "--from and --to go together"},
		{"--to not PostgreSQL", []string{"--from", notDB, "--to", filepath.Join(dir, "x.db")}, true, "--to must be a PostgreSQL URL"},
		{"missing source", []string{"--from", filepath.Join(dir, "gone.db"), "--to", pg}, false, "gone.db: no such file"},
		{"not SQLite", []string{"--from", notDB, "--to", pg}, false, "notes.txt: not a SQLite database"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := cmdMigrate(t.Context(), tc.args, &out, io.Discard, slog.New(slog.DiscardHandler))
			var ue *usageError
			if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (usage error: %v); want %q (usage error: %v)", err, errors.As(err, &ue), tc.want, tc.usage)
			}
			if strings.Contains(err.Error(), "\n") || out.Len() > 0 {
				t.Errorf("error %q spans lines, or output %q was written", err, out.String())
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "gone.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing source was created: %v", err)
	}
}

// TestMigrateCopyRefusesARunningSource: a pushdeck instance whose
// heartbeat has not expired is still writing to the file; the copy would
// miss what it writes next.
func TestMigrateCopyRefusesARunningSource(t *testing.T) {
	ctx := t.Context()
	src := filepath.Join(t.TempDir(), "pushdeck.db")
	store, _, closeDB, err := openStore(ctx, Config{DB: src}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Heartbeat(ctx, models.Instance{ID: "web-1", Host: "web", PID: 42}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := closeDB(); err != nil {
		t.Fatal(err)
	}
	err = cmdMigrate(ctx, []string{"--from", src, "--to", "postgres://nobody@127.0.0.1:1/none"}, io.Discard, io.Discard, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "a pushdeck instance is running on the source (web-1, last heartbeat") {
		t.Fatalf("got %v; want the running instance named", err)
	}
}
