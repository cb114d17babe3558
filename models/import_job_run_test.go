package models

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// gatedReader serves head, then waits for open to close before serving
// tail: the import is held mid-file while the test looks at its row.
type gatedReader struct {
	head, tail io.Reader
	open       <-chan struct{}
}

func (g *gatedReader) Read(p []byte) (int, error) {
	n, err := g.head.Read(p)
	if err != io.EOF {
		return n, err
	}
	<-g.open
	return g.tail.Read(p)
}

func csvRows(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "run-%06d,vip\n", i)
	}
	return b.String()
}

// TestRunImportJob: the row shows the import's progress while it runs
// (read by anyone, as another instance would), and its outcome after.
func TestRunImportJob(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	head := "cid,tags\n" + csvRows(0, 25_000)
	tail := csvRows(25_000, 30_000) + "a,b,c\n"
	job, err := s.CreateImportJob(ctx, ImportJobInput{ProviderID: acct.ID, FileName: "run.csv", Size: int64(len(head) + len(tail)), InstanceID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	type outcome struct {
		res ImportResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := s.RunImportJob(ctx, job, &gatedReader{head: strings.NewReader(head), tail: strings.NewReader(tail), open: open}, nil)
		done <- outcome{res, err}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := s.ImportJobByID(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Progress.Rows >= 20_000 {
			if got.Status != ImportRunning || got.Progress.Result.Imported < 20_000 || got.Progress.Bytes == 0 || got.Progress.Bytes >= job.Size {
				t.Errorf("mid-import row %+v", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the row never showed the first chunks: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(open)
	o := <-done
	if o.err != nil || o.res.Imported != 30_000 || o.res.RejectedTotal != 1 {
		t.Fatalf("import: %+v %v", o.res, o.err)
	}
	got, err := s.ImportJobByID(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := got.Progress.Result
	if got.Status != ImportDone || r.Imported != 30_000 || r.RejectedTotal != 1 || len(r.Rejected) != 1 || r.Rejected[0].Line != 30_002 ||
		got.Progress.Rows != 30_001 || got.Progress.Bytes != job.Size || got.FinishedAt == nil {
		t.Errorf("finished row %+v", got)
	}
}

// TestRunImportJobCancelled: an import whose context ends (its server
// stops) is marked interrupted, though the context is gone.
func TestRunImportJobCancelled(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	job, err := s.CreateImportJob(context.Background(), ImportJobInput{ProviderID: acct.ID, FileName: "cut.csv", InstanceID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	open := make(chan struct{})
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel()
		close(open)
	}()
	_, err = s.RunImportJob(ctx, job, &gatedReader{head: strings.NewReader("cid\n" + csvRows(0, 15_000)), tail: strings.NewReader(csvRows(15_000, 20_000)), open: open}, nil)
	if err == nil {
		t.Fatal("a cancelled import reported no error")
	}
	got, err := s.ImportJobByID(context.Background(), job.ID)
	if err != nil || got.Status != ImportInterrupted || got.FinishedAt == nil {
		t.Errorf("cancelled import's row %+v (%v)", got, err)
	}
}
