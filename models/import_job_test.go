package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// jobClock is a store whose clock the test moves.
type jobClock struct {
	now time.Time
}

func (c *jobClock) store(s *Store) *Store { return s.WithClock(func() time.Time { return c.now }) }

func TestImportJobLifecycle(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	clk := &jobClock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	at := clk.store(s)
	name := strings.Repeat("设", 100) + "\x00.csv" // 300 bytes, a NUL PostgreSQL refuses
	j, err := at.CreateImportJob(ctx, ImportJobInput{ProviderID: acct.ID, FileName: name, Size: 1000, StartedBy: "ops@example.com", InstanceID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != ImportRunning || !j.Running() || j.FinishedAt != nil || !j.StartedAt.Equal(clk.now) {
		t.Errorf("new job %+v", j)
	}
	if len(j.FileName) > maxImportFileBytes || !utf8.ValidString(j.FileName) || strings.Contains(j.FileName, "\x00") {
		t.Errorf("file name %d bytes %q", len(j.FileName), j.FileName)
	}

	clk.now = clk.now.Add(time.Second)
	p := ImportProgress{Bytes: 500, Rows: 50, Result: ImportResult{UpsertResult: UpsertResult{Imported: 40, Updated: 5, Unchanged: 3}, RejectedTotal: 2,
		Rejected: []Rejection{{Line: 7, Field: "platform", FieldError: FieldError{ID: "err.choice"}},
			{Line: 9, FieldError: FieldError{ID: "err.csv_columns", Data: map[string]any{"Got": 3, "Want": 2}}}}}}
	if err := at.UpdateImportProgress(ctx, j.ID, p); err != nil {
		t.Fatal(err)
	}
	got, err := at.ImportJobByID(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != ImportRunning || got.Progress.Bytes != 500 || got.Progress.Rows != 50 || got.Progress.Result.UpsertResult != p.Result.UpsertResult ||
		got.Progress.Result.RejectedTotal != 2 || !got.UpdatedAt.Equal(clk.now) || got.FileName != j.FileName || got.StartedBy != "ops@example.com" {
		t.Errorf("progress read back %+v", got)
	}
	rej := got.Progress.Result.Rejected
	if len(rej) != 2 || rej[0].Line != 7 || rej[0].Field != "platform" || rej[0].ID != "err.choice" || rej[1].Data["Got"] != int64(3) {
		// Whole numbers come back as int64: the catalog's plural forms refuse float64.
		t.Errorf("rejections %#v", rej)
	}

	clk.now = clk.now.Add(2 * time.Second)
	p.Bytes, p.Rows = 1000, 100
	if st, err := at.FinishImportJob(ctx, j.ID, p, nil); err != nil || st != ImportDone {
		t.Fatalf("finish: %s %v", st, err)
	}
	got, _ = at.ImportJobByID(ctx, j.ID)
	if got.Status != ImportDone || got.Running() || got.FinishedAt == nil || !got.FinishedAt.Equal(clk.now) || got.Progress.Rows != 100 {
		t.Errorf("finished %+v", got)
	}
	// A finished row takes no more progress.
	if err := at.UpdateImportProgress(ctx, j.ID, ImportProgress{Rows: 1}); err != nil {
		t.Fatal(err)
	}
	if got, _ := at.ImportJobByID(ctx, j.ID); got.Status != ImportDone || got.Progress.Rows != 100 {
		t.Errorf("progress after the end: %+v", got)
	}
	if _, err := at.ImportJobByID(ctx, j.ID+1000); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing job: %v", err)
	}
}

func TestImportJobOutcomes(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	long := errors.New(strings.Repeat("é", 3000) + "\x00")
	file := &ValidationError{}
	file.Add("header", "err.csv_record_too_long", map[string]any{"Max": 64})
	cases := []struct {
		name   string
		err    error
		status string
	}{
		{"cancelled by a stopping server", fmt.Errorf("import: %w", context.Canceled), ImportInterrupted},
		{"a file problem", file, ImportFailed},
		{"another error", long, ImportFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, err := s.CreateImportJob(ctx, ImportJobInput{ProviderID: acct.ID, FileName: "f.csv", InstanceID: "a"})
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.FinishImportJob(ctx, j.ID, ImportProgress{Rows: 3}, c.err)
			if err != nil || st != c.status {
				t.Fatalf("status %s (%v), want %s", st, err, c.status)
			}
			got, err := s.ImportJobByID(ctx, j.ID)
			if err != nil || got.Status != c.status || got.FinishedAt == nil {
				t.Fatalf("read back %+v (%v)", got, err)
			}
			switch c.err {
			case file:
				if fe := got.FileErrors["header"]; fe.ID != "err.csv_record_too_long" || fe.Data["Max"] != int64(64) || got.Error != "" {
					t.Errorf("file errors %#v, error %q", got.FileErrors, got.Error)
				}
			case long:
				if utf8.RuneCountInString(got.Error) != maxImportErrorChars || strings.Contains(got.Error, "\x00") {
					t.Errorf("error text %d characters", utf8.RuneCountInString(got.Error))
				}
			}
		})
	}
}

// TestImportJobsOfDeadInstances: a running job reads as interrupted once its
// instance's heartbeat expired or its row went unwritten for ImportJobStale;
// the sweep marks such rows but never the caller's own; a live runner's
// next write brings a wrongly swept job back.
func TestImportJobsOfDeadInstances(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	clk := &jobClock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	at := clk.store(s)
	create := func(instance string) ImportJob {
		t.Helper()
		j, err := at.CreateImportJob(ctx, ImportJobInput{ProviderID: acct.ID, FileName: instance + ".csv", InstanceID: instance})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	status := func(j ImportJob) string {
		t.Helper()
		got, err := at.ImportJobByID(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	for _, in := range []string{"alive", "dying", "slow"} {
		if err := at.Heartbeat(ctx, Instance{ID: in}, 15*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	alive, dying, quiet, self, slow := create("alive"), create("dying"), create("unregistered"), create("self"), create("slow")

	clk.now = clk.now.Add(10 * time.Second)
	if err := at.Heartbeat(ctx, Instance{ID: "alive"}, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	clk.now = clk.now.Add(8 * time.Second)
	// slow's heartbeat waits behind a long write, but its import writes.
	if err := at.UpdateImportProgress(ctx, slow.ID, ImportProgress{Rows: 1}); err != nil {
		t.Fatal(err)
	}
	clk.now = clk.now.Add(2 * time.Second) // dying's and slow's heartbeats have expired
	for _, j := range []ImportJob{alive, quiet, self} {
		if err := at.UpdateImportProgress(ctx, j.ID, ImportProgress{Rows: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if got := status(dying); got != ImportInterrupted {
		t.Errorf("job of an expired instance reads %s", got)
	}
	if got := status(alive); got != ImportRunning {
		t.Errorf("job of a live instance reads %s", got)
	}
	if got := status(slow); got != ImportRunning {
		t.Errorf("job written %s ago by an instance late with its heartbeat reads %s", 2*time.Second, got)
	}
	if n, err := at.InterruptImportJobs(ctx, "self"); err != nil || n != 1 {
		t.Errorf("sweep marked %d (%v), want dying's only", n, err)
	}
	if got := status(quiet); got != ImportRunning {
		t.Errorf("fresh job of an instance without a row reads %s", got)
	}
	clk.now = clk.now.Add(6 * time.Second)
	if err := at.Heartbeat(ctx, Instance{ID: "alive"}, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := status(quiet); got != ImportInterrupted {
		t.Errorf("job of an instance without a heartbeat, quiet for 6s, reads %s", got)
	}
	if got := status(alive); got != ImportRunning {
		t.Errorf("job of a live instance, quiet for 6s, reads %s", got)
	}
	clk.now = clk.now.Add(ImportJobStale + time.Second)
	if err := at.Heartbeat(ctx, Instance{ID: "alive"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := status(alive); got != ImportInterrupted {
		t.Errorf("stale job of a live instance reads %s (its import stopped writing)", got)
	}
	n, err := at.InterruptImportJobs(ctx, "self")
	if err != nil || n != 3 {
		t.Errorf("sweep marked %d (%v), want alive's, slow's and the unregistered one's", n, err)
	}
	var running int64
	if err := s.DB().Raw(`SELECT count(*) FROM import_jobs WHERE status = 'running'`).Scan(&running).Error; err != nil || running != 1 {
		t.Errorf("%d rows still running (%v), want only self's", running, err)
	}
	if _, err := at.FinishImportJob(ctx, self.ID, ImportProgress{}, context.Canceled); err != nil {
		t.Fatal(err)
	}
	if got, _ := at.ImportJobByID(ctx, self.ID); got.Status != ImportInterrupted || !got.Watched(clk.now) || got.Watched(clk.now.Add(ImportJobStale)) {
		t.Errorf("a job interrupted a moment ago is watched for a comeback, for %s: %+v", ImportJobStale, got)
	}
	if got, _ := at.ImportJobByID(ctx, dying.ID); got.Watched(clk.now) {
		t.Errorf("a job quiet since %s is still watched", got.UpdatedAt)
	}
	// alive was only slow: its next write makes it running again.
	if err := at.UpdateImportProgress(ctx, alive.ID, ImportProgress{Rows: 2}); err != nil {
		t.Fatal(err)
	}
	if got, _ := at.ImportJobByID(ctx, alive.ID); got.Status != ImportRunning || got.FinishedAt != nil || got.Progress.Rows != 2 {
		t.Errorf("revived job %+v", got)
	}
}

// TestImportJobsPruned: a new import forgets its account's finished jobs
// beyond MaxImportJobsKept and those older than 30 days; running jobs and
// other accounts' jobs stay. The list is newest first and bounded.
func TestImportJobsPruned(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	other, err := s.CreateProviderAccount(ctx, ProviderInput{Name: "other", Kind: "sandbox", Credentials: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	clk := &jobClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	at := clk.store(s)
	add := func(provider int64, finish bool) ImportJob {
		t.Helper()
		j, err := at.CreateImportJob(ctx, ImportJobInput{ProviderID: provider, FileName: "f.csv", InstanceID: "a"})
		if err != nil {
			t.Fatal(err)
		}
		if finish {
			if _, err := at.FinishImportJob(ctx, j.ID, ImportProgress{}, nil); err != nil {
				t.Fatal(err)
			}
		}
		return j
	}
	old := add(acct.ID, true)
	otherOld := add(other.ID, true)
	running := add(acct.ID, false)
	clk.now = clk.now.Add(31 * 24 * time.Hour)
	if err := at.UpdateImportProgress(ctx, running.ID, ImportProgress{}); err != nil {
		t.Fatal(err)
	}
	var last ImportJob
	for range MaxImportJobsKept + 5 {
		clk.now = clk.now.Add(time.Minute)
		last = add(acct.ID, true)
	}
	count := func(provider int64) int64 {
		var n int64
		if err := s.DB().Raw(`SELECT count(*) FROM import_jobs WHERE provider_id = ?`, provider).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The last import pruned before it finished: 100 finished, itself, and the running one.
	if n := count(acct.ID); n != MaxImportJobsKept+2 {
		t.Errorf("%d jobs kept, want %d", n, MaxImportJobsKept+2)
	}
	if _, err := at.ImportJobByID(ctx, old.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a 31-day-old job is kept: %v", err)
	}
	if _, err := at.ImportJobByID(ctx, running.ID); err != nil {
		t.Errorf("the running job was pruned: %v", err)
	}
	if _, err := at.ImportJobByID(ctx, otherOld.ID); err != nil {
		t.Errorf("another account's job was pruned: %v", err)
	}
	recent, err := at.RecentImportJobs(ctx, 1000)
	if err != nil || len(recent) != MaxImportJobList || recent[0].ID != last.ID || recent[1].ID > recent[0].ID {
		t.Errorf("recent: %d jobs, first %d, want %d newest first (%v)", len(recent), recent[0].ID, last.ID, err)
	}
}

func TestBoundText(t *testing.T) {
	cases := []struct {
		in              string
		maxBytes, chars int
		want            string
	}{
		{"abc", 2, -1, "ab"},
		{"aé", 2, -1, "a"},
		{"a\x00b\xffc", -1, -1, "ab\uFFFDc"},
		{"日本語", -1, 2, "日本"},
		{"日本語", 7, -1, "日本"},
	}
	for _, c := range cases {
		if got := boundText(c.in, c.maxBytes, c.chars); got != c.want {
			t.Errorf("boundText(%q, %d, %d) = %q, want %q", c.in, c.maxBytes, c.chars, got, c.want)
		}
	}
}

// TestReapMarksImportsInterrupted: the reaper that deletes a dead
// instance's row marks its running imports interrupted in the same
// transaction (without the row, readers could tell only by staleness).
func TestReapMarksImportsInterrupted(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	clk := &jobClock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	at := clk.store(s)
	jobs := map[string]ImportJob{}
	for _, in := range []string{"dead", "alive"} {
		if err := at.Heartbeat(ctx, Instance{ID: in}, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		j, err := at.CreateImportJob(ctx, ImportJobInput{ProviderID: acct.ID, FileName: in + ".csv", InstanceID: in})
		if err != nil {
			t.Fatal(err)
		}
		jobs[in] = j
	}
	clk.now = clk.now.Add(11 * time.Second)
	if err := at.Heartbeat(ctx, Instance{ID: "alive"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	got, err := at.ReapInstances(ctx, "alive")
	if err != nil || len(got) != 1 || got[0].ID != "dead" || got[0].Imports != 1 {
		t.Fatalf("reaped %+v (%v), want dead with its one import", got, err)
	}
	var stored []string
	if err := s.DB().Raw(`SELECT status FROM import_jobs ORDER BY id`).Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[0] != ImportInterrupted || stored[1] != ImportRunning {
		t.Errorf("stored statuses %v, want dead's interrupted, alive's running", stored)
	}
}
