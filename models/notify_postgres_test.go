package models

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models/internal/freshdb"
)

// TestPGNotifier: a notification reaches a listener on another
// connection, and a listener whose connection the server kills connects
// again and hears the next ones.
func TestPGNotifier(t *testing.T) {
	if !freshdb.IsPostgres() {
		t.Skipf("PostgreSQL test: run with %s=postgres://user:password@localhost:5432/db?sslmode=disable go test ./models", freshdb.EnvURL)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dsn := freshdb.DSN(t, migrateDSN)
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Close(db); err != nil {
			t.Error(err)
		}
	})
	n := NewPGNotifier(dsn, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	heard := make(chan string, 64)
	done := make(chan struct{})
	go func() { n.Listen(ctx, func(topic string) { heard <- topic }); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// hears notifies topic until the listener hears it (its LISTEN may
	// not hold yet, or be reconnecting).
	hears := func(topic string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			if err := n.Notify(ctx, topic); err != nil {
				t.Fatal(err)
			}
			select {
			case got := <-heard:
				if got == topic {
					return
				}
			case <-time.After(100 * time.Millisecond):
			}
		}
		t.Fatalf("the listener never heard %q", topic)
	}
	hears("plan")
	var killed int
	err = db.Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN ' || ?`, notifyChannel).Row().Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminated %d listening connections (%v), want 1", killed, err)
	}
	hears("send")
}
