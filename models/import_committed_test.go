package models

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models/internal/freshdb"
)

// TestImportProgressCommitted: while an import's transaction is open, the
// progress it reports counts that transaction's rows in Result and only
// the committed ones in Committed, which is what another connection finds
// in the database at that moment; after the last commit both agree.
func TestImportProgressCommitted(t *testing.T) {
	ctx := context.Background()
	dsn := freshdb.Migrated(t, migrateDSN)
	s := mustOpenStoreAt(t, dsn)
	acct := mustCreateAccount(t, s)
	other, err := OpenReader(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = Close(other) }() // a reader
	var sb strings.Builder
	sb.WriteString("cid,platform\n")
	for i := range 250 {
		fmt.Fprintf(&sb, "c%d,ios\n", i)
	}
	var calls, ahead int
	var last ImportProgress
	res := importString(t, s, acct, sb.String(), ImportOptions{TxRows: 100, Progress: func(p ImportProgress) {
		calls++
		var in int64
		if err := other.Raw(`SELECT count(*) FROM devices WHERE provider_id = ?`, acct.ID).Scan(&in).Error; err != nil {
			t.Error(err)
		}
		if p.Committed.Imported != in || p.Result.Imported < in {
			t.Errorf("call %d: committed %d, result %d, %d in the database", calls, p.Committed.Imported, p.Result.Imported, in)
		}
		if p.Result.Imported > p.Committed.Imported {
			ahead++
		}
		last = p
	}})
	if res.Imported != 250 || last.Committed != res.UpsertResult || last.Result.UpsertResult != res.UpsertResult {
		t.Errorf("imported %d; last progress %+v", res.Imported, last)
	}
	if ahead == 0 {
		t.Errorf("no progress inside an open transaction in %d calls", calls)
	}
}

// TestInterruptedJobCountsWhatIsIn: a job whose instance died reads with
// the counts its last progress called committed; while it runs it shows
// the live counts.
func TestInterruptedJobCountsWhatIsIn(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	clk := &jobClock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	at := clk.store(s)
	if err := at.Heartbeat(ctx, Instance{ID: "a"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	j, err := at.CreateImportJob(ctx, ImportJobInput{ProviderID: acct.ID, FileName: "f.csv", Size: 1 << 20, InstanceID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	p := ImportProgress{Bytes: 4096, Rows: 75_000, Result: ImportResult{UpsertResult: UpsertResult{Imported: 70_000, Updated: 3_000, Unchanged: 2_000}},
		Committed: UpsertResult{Imported: 47_000, Updated: 2_000, Unchanged: 1_000}}
	if err := at.UpdateImportProgress(ctx, j.ID, p); err != nil {
		t.Fatal(err)
	}
	if got, err := at.ImportJobByID(ctx, j.ID); err != nil || got.Status != ImportRunning || got.Progress.Result.UpsertResult != p.Result.UpsertResult {
		t.Fatalf("running: %+v %v", got, err)
	}
	clk.now = clk.now.Add(ImportJobStale + time.Second) // the instance is gone
	got, err := at.ImportJobByID(ctx, j.ID)
	if err != nil || got.Status != ImportInterrupted || got.Progress.Result.UpsertResult != p.Committed || got.Progress.Rows != 75_000 {
		t.Fatalf("read as interrupted: %+v %v; want the committed counts %+v", got, err, p.Committed)
	}
	// Marked in the table (a starting instance), it reads the same.
	if n, err := at.InterruptImportJobs(ctx, "b"); err != nil || n != 1 {
		t.Fatalf("interrupt: %d %v", n, err)
	}
	if again, err := at.ImportJobByID(ctx, j.ID); err != nil || again.Status != ImportInterrupted || again.Progress.Result.UpsertResult != p.Committed {
		t.Errorf("marked interrupted: %+v %v", again, err)
	}
}
