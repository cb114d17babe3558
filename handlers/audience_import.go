package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/audience"
)

// maxImportBytes bounds an uploaded CSV (a million devices is ≈100 MB).
const maxImportBytes = 2 << 30

// recentImports is how many jobs the import page lists.
const recentImports = 20

// importer runs page-started CSV imports in the background. Their progress
// lives in the import_jobs table, not here, so whichever instance a load
// balancer sends the polling page to reads it, and a restart does not
// forget a job: the row of an import whose instance died reads as
// interrupted. It belongs to the Server (no package state).
type importer struct {
	// ctx is the server's lifetime: an import stops when it ends, and its
	// row says interrupted.
	ctx   context.Context
	store *models.Store
	log   *slog.Logger
	// instance is this process's id in the instances table; the jobs it
	// runs carry it, so the others can tell when it died.
	instance string
	// wg lets tests (and a stopping server) wait for running imports.
	wg sync.WaitGroup
}

func newImporter(ctx context.Context, store *models.Store, log *slog.Logger, instance string) *importer {
	return &importer{ctx: ctx, store: store, log: log, instance: instance}
}

// start records the import of the CSV at path (a temp file it then
// removes) into the account and runs it in the background. The upload's
// temp file is on this instance's disk, so this instance, the one that
// received it, runs the import; the other instances only read its row.
func (im *importer) start(ctx context.Context, acct models.ProviderAccount, file, by, path string, size int64) (models.ImportJob, error) {
	job, err := im.store.CreateImportJob(ctx, models.ImportJobInput{ProviderID: acct.ID, FileName: file, Size: size, StartedBy: by, InstanceID: im.instance})
	if err != nil {
		return models.ImportJob{}, err
	}
	im.wg.Add(1)
	go func() {
		defer im.wg.Done()
		_, err := im.run(job, path)
		var ve *models.ValidationError
		if err != nil && !errors.As(err, &ve) && im.ctx.Err() == nil {
			im.log.Error("device import", slog.Int64("provider", acct.ID), slog.Int64("job", job.ID), slog.String("file", job.FileName), slog.Any("error", err))
		}
	}()
	return job, nil
}

func (im *importer) run(job models.ImportJob, path string) (models.ImportResult, error) {
	defer removeTemp(path)
	f, err := os.Open(path)
	if err != nil {
		err = fmt.Errorf("handlers: open import file: %w", err)
		fctx, cancel := context.WithTimeout(context.WithoutCancel(im.ctx), 10*time.Second)
		defer cancel()
		if _, ferr := im.store.FinishImportJob(fctx, job.ID, models.ImportProgress{}, err); ferr != nil {
			return models.ImportResult{}, errors.Join(err, ferr)
		}
		return models.ImportResult{}, err
	}
	defer f.Close()
	return im.store.RunImportJob(im.ctx, job, f, im.log)
}

// interruptDead marks the running imports of dead instances interrupted,
// among them those of the process this one replaces (a restarted process
// is a new instance). Reads already show such a job as interrupted; the
// mark makes it stay so and lets it be pruned like a finished one.
func (im *importer) interruptDead(ctx context.Context) {
	n, err := im.store.InterruptImportJobs(ctx, im.instance)
	if err != nil {
		if ctx.Err() == nil {
			im.log.Error("interrupt dead imports", slog.Any("error", err))
		}
		return
	}
	if n > 0 {
		im.log.Warn("imports of stopped instances marked interrupted", slog.Int64("imports", n))
	}
}

// importStatus names a job's status in the reader's language.
func importStatus(ctx context.Context, status string) string {
	switch status {
	case models.ImportRunning:
		return i18n.T(ctx, "importjobs.status_running")
	case models.ImportDone:
		return i18n.T(ctx, "importjobs.status_done")
	case models.ImportFailed:
		return i18n.T(ctx, "importjobs.status_failed")
	}
	return i18n.T(ctx, "importjobs.status_interrupted")
}

// importJobView renders a job's state for the page as of now, in the
// reader's language. names maps account ids to names.
func importJobView(c *gin.Context, j models.ImportJob, names map[int64]string, now time.Time) audience.JobView {
	ctx := c.Request.Context()
	p := j.Progress
	r := p.Result
	v := audience.JobView{URL: fmt.Sprintf("/audience/import/%d", j.ID), Account: names[j.ProviderID], File: j.FileName, By: j.StartedBy,
		Started: when(j.StartedAt), Running: j.Running(), Poll: j.Watched(now), Read: bytesText(p.Bytes), Rows: num(p.Rows), Imported: num(r.Imported),
		Updated: num(r.Updated), Unchanged: num(r.Unchanged), Rejected: num(r.RejectedTotal),
		Status: importStatus(ctx, j.Status)}
	if j.Size > 0 {
		v.Percent = int(min(100, p.Bytes*100/j.Size))
	}
	if j.FinishedAt != nil {
		v.Elapsed = j.FinishedAt.Sub(j.StartedAt).Round(100 * time.Millisecond).String()
	}
	switch {
	case j.Status == models.ImportInterrupted:
		v.Interrupted = i18n.T(ctx, "importjobs.interrupted")
	case len(j.FileErrors) > 0:
		for k, fe := range j.FileErrors {
			label := "audience.field_" + k
			v.FileErrors = append(v.FileErrors, i18n.T(ctx, label)+": "+i18n.T(ctx, fe.ID, fe.Data))
		}
		slices.Sort(v.FileErrors)
	case j.Status == models.ImportFailed:
		v.Failed = i18n.T(ctx, "audience.import_failed")
	}
	for _, rj := range r.Rejected {
		v.Rejections = append(v.Rejections, localizeRejection(c, rj))
	}
	return v
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func (s *Server) showImport(c *gin.Context) {
	s.renderImport(c, http.StatusOK, c.Query("provider_id"), nil, nil)
}

// accountNames maps every account's id to its name.
func (s *Server) accountNames(ctx context.Context) (map[int64]string, error) {
	as, err := s.store.ListProviderAccounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(as))
	for _, a := range as {
		out[a.ID] = a.Name
	}
	return out, nil
}

func (s *Server) renderImport(c *gin.Context, status int, providerID string, errs web.Errors, job *models.ImportJob) {
	ctx := c.Request.Context()
	accts, acct, err := s.audienceAccount(ctx, providerID)
	if err != nil {
		s.fail(c, err)
		return
	}
	names, err := s.accountNames(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	recent, err := s.store.RecentImportJobs(ctx, recentImports)
	if err != nil {
		s.fail(c, err)
		return
	}
	pid := strconv.FormatInt(acct.ID, 10)
	v := audience.ImportView{Tabs: audience.Tabs{Current: "import", ProviderID: pid}, Accounts: accts, ProviderID: pid, Errors: errs}
	if job != nil {
		jv := importJobView(c, *job, names, s.store.Now())
		v.Job = &jv
	}
	for _, j := range recent {
		if job == nil || j.ID != job.ID {
			v.Recent = append(v.Recent, importJobView(c, j, names, s.store.Now()))
		}
	}
	s.render(c, status, audience.Import(v))
}

// showImportJob shows a job's row, whichever instance runs it.
func (s *Server) showImportJob(c *gin.Context) {
	ctx := c.Request.Context()
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	j, err := s.store.ImportJobByID(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if isPartial(c) {
		names, err := s.accountNames(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusOK, audience.Job(importJobView(c, j, names, s.store.Now())))
		return
	}
	s.renderImport(c, http.StatusOK, strconv.FormatInt(j.ProviderID, 10), nil, &j)
}

// startImport saves the upload to a temp file (streamed: never held whole)
// and starts the import. htmx uploads (CSRF in a header) are read part by
// part; a plain form post was already parsed by the CSRF check, which
// spools a large file to disk.
func (s *Server) startImport(c *gin.Context) {
	ctx := c.Request.Context()
	rawPID, file, path, size, upErr := s.receiveUpload(c)
	errs := web.Errors{}
	var acct models.ProviderAccount
	var err error
	if pid, ok := parseID(rawPID); ok {
		acct, err = s.store.ProviderAccountByID(ctx, pid)
	}
	switch {
	case err != nil && !errors.Is(err, models.ErrNotFound):
		removeTemp(path)
		s.fail(c, err)
		return
	case upErr != nil && !errors.Is(upErr, errTooLarge):
		removeTemp(path)
		s.fail(c, upErr)
		return
	}
	if acct.ID == 0 {
		errs["provider_id"] = i18n.T(ctx, "err.provider_unknown")
	}
	switch {
	case upErr != nil:
		errs["file"] = i18n.T(ctx, "audience.file_too_large", map[string]any{"Max": "2 GB"})
	case path == "" || size == 0:
		errs["file"] = i18n.T(ctx, "err.required")
	}
	if len(errs) > 0 {
		removeTemp(path)
		if isPartial(c) {
			// htmx does not swap 4xx answers: the errors come as a 200 fragment.
			s.render(c, http.StatusOK, audience.Job(audience.JobView{File: file, FileErrors: sortedValues(errs)}))
			return
		}
		s.renderImport(c, http.StatusUnprocessableEntity, rawPID, errs, nil)
		return
	}
	j, err := s.imports.start(ctx, acct, file, actor(c), path, size)
	if err != nil {
		removeTemp(path)
		s.fail(c, err)
		return
	}
	if !s.audit(c, "device_import", fmt.Sprintf("provider:%d", acct.ID), file) {
		return
	}
	if isPartial(c) {
		s.render(c, http.StatusOK, audience.Job(importJobView(c, j, map[int64]string{acct.ID: acct.Name}, s.store.Now())))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/audience/import/%d", j.ID))
}
