package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Statuses of an import job.
const (
	ImportRunning     = "running"
	ImportDone        = "done"
	ImportFailed      = "failed"
	ImportInterrupted = "interrupted"
)

// Bounds of the import_jobs table.
const (
	// ImportJobStale is how long a running job's row may go unwritten
	// before it counts as dead with its instance: the runner writes it at
	// least every importTouchEvery, so only an instance that stopped (or a
	// write lock held this long) leaves it still.
	ImportJobStale = 30 * time.Second
	// importJobQuiet is how long a job's row must have gone unwritten for
	// a missing or expired heartbeat to count against it: an instance
	// whose heartbeat waited behind a long write (SQLite's one writer) but
	// whose import still writes is slow, not dead.
	importJobQuiet = 5 * time.Second
	// MaxImportJobsKept is how many finished jobs an account keeps; older
	// ones are deleted when a new import starts, as are jobs of more than
	// importJobsKeptFor.
	MaxImportJobsKept = 100
	importJobsKeptFor = 30 * 24 * time.Hour
	// MaxImportJobList bounds RecentImportJobs.
	MaxImportJobList = 100
	// maxImportFileBytes bounds the stored file name (the browser sends
	// whatever the operator's file is called).
	maxImportFileBytes = 255
	// maxImportErrorChars bounds a failure's text (the column checks it).
	maxImportErrorChars = 1000
	// maxImportActorBytes bounds who started it.
	maxImportActorBytes = 320
)

// Watched reports whether a page showing the job should keep polling it:
// while it runs, and while an interrupted job's row is recent enough that
// its instance may only have been slow (its next write makes it running
// again).
func (j ImportJob) Watched(now time.Time) bool {
	return j.Running() || (j.Status == ImportInterrupted && now.Sub(j.UpdatedAt) < ImportJobStale)
}

// ImportJob is a CSV import started in the console, as its row holds it.
// Any instance reads it; only the instance that runs the import writes it.
type ImportJob struct {
	ID         int64
	ProviderID int64
	FileName   string
	Size       int64
	StartedBy  string
	// InstanceID is the instance running the import: the one that
	// received the upload, since the file is on its disk.
	InstanceID string
	// Status is running, done, failed or interrupted. A running row is
	// read as interrupted when its instance is dead: no live heartbeat (an
	// instance that serves always has one) and the row quiet for 5 s, or
	// the row unwritten for ImportJobStale whatever the heartbeat says.
	Status     string
	StartedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt *time.Time
	// Progress is how far it got: bytes and rows read, the counts and the
	// first rejected rows (its Result).
	Progress ImportProgress
	// FileErrors is a file-level problem of a failed import (no cid
	// column, an unknown column), by field, as ImportCSV's ValidationError
	// holds it; nil otherwise.
	FileErrors map[string]FieldError
	// Error is the text of a failure that is not a file problem, bounded.
	Error string
}

// Running reports whether the import is still going.
func (j ImportJob) Running() bool { return j.Status == ImportRunning }

// ImportJobInput is what CreateImportJob stores.
type ImportJobInput struct {
	ProviderID int64
	FileName   string
	Size       int64
	StartedBy  string
	InstanceID string
}

// importJobRow is the import_jobs row, with the owning instance's expiry
// when a query joins it.
type importJobRow struct {
	ID         int64 `gorm:"primaryKey"`
	ProviderID int64
	FileName   string
	Size       int64
	StartedBy  string
	InstanceID string
	Status     string
	StartedAt  time.Time
	// The store's clock sets it, not gorm's.
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
	FinishedAt *time.Time
	BytesRead  int64
	RowsRead   int64
	Imported   int64
	Updated    int64
	Unchanged  int64
	Rejected   int64
	Error      string
	Result     string
	// InstanceExpires is the owning instance's heartbeat expiry (nil when
	// it has no row: never registered, stopped, or reaped).
	InstanceExpires *time.Time `gorm:"->;-:migration;column:instance_expires"`
}

func (importJobRow) TableName() string { return "import_jobs" }

// CreateImportJob records an import about to run on in.InstanceID and
// forgets the account's oldest finished jobs beyond MaxImportJobsKept and
// any older than 30 days, in the same transaction.
func (s *Store) CreateImportJob(ctx context.Context, in ImportJobInput) (ImportJob, error) {
	now := s.now()
	row := importJobRow{ProviderID: in.ProviderID, FileName: boundText(in.FileName, maxImportFileBytes, -1),
		Size: max(in.Size, 0), StartedBy: boundText(in.StartedBy, maxImportActorBytes, -1), InstanceID: in.InstanceID,
		Status: ImportRunning, StartedAt: now, UpdatedAt: now}
	err := s.WithTx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(&row).Error; err != nil {
			return err
		}
		return tx.pruneImportJobs(ctx, in.ProviderID, now)
	})
	if err != nil {
		return ImportJob{}, fmt.Errorf("models: create import job: %w", err)
	}
	return row.job(now)
}

// pruneImportJobsSQL deletes an account's jobs not written for the keeping
// time, and its finished jobs beyond the newest ones kept.
const pruneImportJobsSQL = `DELETE FROM import_jobs WHERE provider_id = ? AND (updated_at < ?
OR (status <> 'running' AND id NOT IN (SELECT id FROM import_jobs WHERE provider_id = ? AND status <> 'running' ORDER BY id DESC LIMIT ?)))`

func (s *Store) pruneImportJobs(ctx context.Context, providerID int64, now time.Time) error {
	if err := s.conn(ctx).Exec(pruneImportJobsSQL, providerID, now.Add(-importJobsKeptFor), providerID, MaxImportJobsKept).Error; err != nil {
		return fmt.Errorf("prune import jobs: %w", err)
	}
	return nil
}

// UpdateImportProgress writes a running job's progress and renews its
// updated_at. A row another instance marked interrupted (its writes were
// held up past ImportJobStale) is running again: only the instance running
// the import writes here. It is a single-row update, safe to race, so it
// takes the write lock only where the database has one writer: on SQLite
// it waits for the import's current transaction to commit.
func (s *Store) UpdateImportProgress(ctx context.Context, id int64, p ImportProgress) error {
	result, err := encodeImportResult(p.Result, &p.Committed, nil)
	if err != nil {
		return err
	}
	r := p.Result
	defer s.lockSerialWrite()()
	err = s.conn(ctx).Exec(`UPDATE import_jobs SET status = 'running', finished_at = NULL, updated_at = ?, bytes_read = ?, rows_read = ?,
imported = ?, updated = ?, unchanged = ?, rejected = ?, result = ? WHERE id = ? AND status IN ('running', 'interrupted')`,
		s.now(), p.Bytes, p.Rows, r.Imported, r.Updated, r.Unchanged, r.RejectedTotal, result, id).Error
	if err != nil {
		return fmt.Errorf("models: import job %d progress: %w", id, err)
	}
	return nil
}

// FinishImportJob records how an import ended: done without an error,
// interrupted when its context ended (the server stopped; running it again
// finishes it), failed otherwise, with a file problem kept as catalog ids
// and any other error's text bounded. It returns the status written.
func (s *Store) FinishImportJob(ctx context.Context, id int64, p ImportProgress, runErr error) (string, error) {
	status, text := ImportDone, ""
	var fileErrs map[string]FieldError
	var ve *ValidationError
	switch {
	case runErr == nil:
	case errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded):
		status = ImportInterrupted
	case errors.As(runErr, &ve):
		status, fileErrs = ImportFailed, ve.Fields
	default:
		status, text = ImportFailed, boundText(runErr.Error(), -1, maxImportErrorChars)
	}
	result, err := encodeImportResult(p.Result, &p.Committed, fileErrs)
	if err != nil {
		return "", err
	}
	r := p.Result
	now := s.now()
	defer s.lockSerialWrite()()
	err = s.conn(ctx).Exec(`UPDATE import_jobs SET status = ?, updated_at = ?, finished_at = ?, bytes_read = ?, rows_read = ?,
imported = ?, updated = ?, unchanged = ?, rejected = ?, error = ?, result = ? WHERE id = ?`,
		status, now, now, p.Bytes, p.Rows, r.Imported, r.Updated, r.Unchanged, r.RejectedTotal, text, result, id).Error
	if err != nil {
		return "", fmt.Errorf("models: finish import job %d: %w", id, err)
	}
	return status, nil
}

// importJobSelect reads jobs with their instance's heartbeat expiry.
const importJobSelect = `SELECT j.id, j.provider_id, j.file_name, j.size, j.started_by, j.instance_id, j.status, j.started_at,
j.updated_at, j.finished_at, j.bytes_read, j.rows_read, j.imported, j.updated, j.unchanged, j.rejected, j.error, j.result,
i.expires_at AS instance_expires FROM import_jobs j LEFT JOIN instances i ON i.id = j.instance_id`

// ImportJobByID returns one job, read as interrupted when it is running on
// a dead instance.
func (s *Store) ImportJobByID(ctx context.Context, id int64) (ImportJob, error) {
	var rows []importJobRow
	if err := s.conn(ctx).Raw(importJobSelect+` WHERE j.id = ?`, id).Scan(&rows).Error; err != nil {
		return ImportJob{}, fmt.Errorf("models: import job %d: %w", id, err)
	}
	if len(rows) == 0 {
		return ImportJob{}, fmt.Errorf("models: import job %d: %w", id, ErrNotFound)
	}
	return rows[0].job(s.now())
}

// RecentImportJobs returns the newest jobs of every account, newest first,
// at most limit (bounded by MaxImportJobList).
func (s *Store) RecentImportJobs(ctx context.Context, limit int) ([]ImportJob, error) {
	limit = min(max(limit, 1), MaxImportJobList)
	var rows []importJobRow
	if err := s.conn(ctx).Raw(importJobSelect+` ORDER BY j.id DESC LIMIT ?`, limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: recent import jobs: %w", err)
	}
	now := s.now()
	out := make([]ImportJob, 0, len(rows))
	for _, r := range rows {
		j, err := r.job(now)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

// InterruptImportJobs marks as interrupted the running jobs of dead
// instances: those whose instance has no live heartbeat (expired, or its
// row gone: reaped or stopped) and whose row has been quiet for
// importJobQuiet, and those whose row went unwritten for ImportJobStale. An instance calls it when it starts (a
// restarted process is a new instance; the one before it is dead) and now
// and then after. self's own jobs are never marked: it is running them.
func (s *Store) InterruptImportJobs(ctx context.Context, self string) (int64, error) {
	now := s.now()
	defer s.lockSerialWrite()()
	res := s.conn(ctx).Exec(`UPDATE import_jobs SET status = 'interrupted', finished_at = updated_at
WHERE status = 'running' AND instance_id <> ? AND (updated_at < ? OR (updated_at < ? AND instance_id NOT IN (SELECT id FROM instances WHERE expires_at >= ?)))`,
		self, now.Add(-ImportJobStale), now.Add(-importJobQuiet), now)
	if res.Error != nil {
		return 0, fmt.Errorf("models: interrupt dead import jobs: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// interruptImportsOf marks the running jobs of one dead instance
// interrupted (the reaper, inside its transaction), those whose row has
// been quiet for importJobQuiet: one written since, by an instance that
// was only slow to renew its heartbeat, is left to ImportJobStale.
func (s *Store) interruptImportsOf(ctx context.Context, instance string) (int64, error) {
	res := s.conn(ctx).Exec(`UPDATE import_jobs SET status = 'interrupted', finished_at = updated_at
WHERE status = 'running' AND instance_id = ? AND updated_at < ?`, instance, s.now().Add(-importJobQuiet))
	if res.Error != nil {
		return 0, fmt.Errorf("interrupt imports of %s: %w", instance, res.Error)
	}
	return res.RowsAffected, nil
}

// job turns the row into an ImportJob as of now.
func (r importJobRow) job(now time.Time) (ImportJob, error) {
	j := ImportJob{ID: r.ID, ProviderID: r.ProviderID, FileName: r.FileName, Size: r.Size, StartedBy: r.StartedBy,
		InstanceID: r.InstanceID, Status: r.Status, StartedAt: r.StartedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Error: r.Error}
	if r.FinishedAt != nil {
		t := r.FinishedAt.UTC()
		j.FinishedAt = &t
	}
	j.Progress = ImportProgress{Bytes: r.BytesRead, Rows: r.RowsRead}
	j.Progress.Result.UpsertResult = UpsertResult{Imported: r.Imported, Updated: r.Updated, Unchanged: r.Unchanged}
	j.Progress.Result.RejectedTotal = r.Rejected
	doc, err := decodeImportResult(r.Result)
	if err != nil {
		return ImportJob{}, fmt.Errorf("models: import job %d: %w", r.ID, err)
	}
	j.Progress.Result.Rejected, j.FileErrors = doc.rejected, doc.fileErrs
	if doc.committed != nil {
		j.Progress.Committed = *doc.committed
	}
	quiet := now.Sub(j.UpdatedAt)
	live := r.InstanceExpires != nil && !r.InstanceExpires.Before(now)
	if j.Status == ImportRunning && (quiet > ImportJobStale || (quiet > importJobQuiet && !live)) {
		// Its instance died while it ran: it stopped where its row says.
		j.Status = ImportInterrupted
		j.FinishedAt = &j.UpdatedAt
	}
	if j.Status == ImportInterrupted && doc.committed != nil {
		// Only the committed transactions are in; the counts columns also
		// hold the one the dead instance had open.
		j.Progress.Result.UpsertResult = *doc.committed
	}
	return j, nil
}

// boundText makes s storable (valid UTF-8 without NUL, which PostgreSQL's
// text refuses) and cuts it at maxBytes bytes or maxChars characters (-1:
// no bound) on a character boundary.
func boundText(s string, maxBytes, maxChars int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	n := 0
	for i, r := range s {
		if (maxBytes >= 0 && i+utf8.RuneLen(r) > maxBytes) || (maxChars >= 0 && n == maxChars) {
			return s[:i]
		}
		n++
	}
	return s
}
