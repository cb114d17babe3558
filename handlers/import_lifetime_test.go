package handlers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportsStopWithTheServer: a page-started import runs on the
// server's lifetime context, so it stops when the server does instead of
// writing on after shutdown.
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
	j := srv.imports.start(acct, "big.csv", "test", path, int64(sb.Len()))
	cancel()
	srv.Wait()
	j.mu.Lock()
	err, done := j.err, j.done
	j.mu.Unlock()
	if !done || !errors.Is(err, context.Canceled) {
		t.Fatalf("import after shutdown: done %v, err %v; want it stopped by the server's end", done, err)
	}
	if n, _ := app.store.CountDevices(t.Context(), acct.ID); n == 300_000 {
		t.Fatal("every row was written after the server stopped")
	}
}
