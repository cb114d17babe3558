package handlers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// TestImportsStopWithTheServer: a page-started import runs on the
// server's lifetime context, so it stops when the server does instead of
// writing on after shutdown; its row says interrupted.
func TestImportsStopWithTheServer(t *testing.T) {
	app := newTestApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	srv := New(Params{Store: app.store, Engine: app.engine, Registry: testRegistry(), Catalog: app.srv.cat, Log: app.srv.log, Context: ctx})
	var sb strings.Builder
	sb.WriteString("cid\n")
	for i := range 300_000 {
		fmt.Fprintf(&sb, "lifetime-%d\n", i)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	acct, err := app.store.ProviderAccountByID(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	j, err := srv.imports.start(t.Context(), acct, "big.csv", "test", path, int64(sb.Len()))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	srv.Wait()
	got, err := app.store.ImportJobByID(t.Context(), j.ID)
	if err != nil || got.Status != models.ImportInterrupted || got.FinishedAt == nil {
		t.Fatalf("import after shutdown: %+v (%v); want it stopped by the server's end and marked interrupted", got, err)
	}
	if n, _ := app.store.CountDevices(t.Context(), acct.ID); n == 300_000 {
		t.Fatal("every row was written after the server stopped")
	}
	// Any instance's page says so, and how to finish it.
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	_, body := b.get(fmt.Sprintf("/audience/import/%d", j.ID))
	d := doc(t, body)
	if msg := d.Find(`[data-testid="import-interrupted"]`).Text(); !strings.Contains(msg, "upload the file again") {
		t.Errorf("interrupted import shows %q", msg)
	}
	if d.Find(`[data-testid="import-job"][data-running]`).Length() != 0 {
		t.Error("an interrupted import still polls")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the upload's temp file is left: %v", err)
	}
}
