package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
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

// importer runs page-started CSV imports in the background and keeps their
// progress in memory for the polling page. It belongs to the Server (no
// package state); a restart forgets the jobs, and since imports are
// idempotent, uploading the file again finishes an interrupted one.
type importer struct {
	// ctx is the server's lifetime: an import stops when it ends.
	ctx   context.Context
	store *models.Store
	log   *slog.Logger
	mu    sync.Mutex
	seq   int64
	jobs  map[int64]*importJob
	// wg lets tests wait for running imports.
	wg sync.WaitGroup
}

// maxImportJobs is how many finished jobs are remembered.
const maxImportJobs = 20

func newImporter(ctx context.Context, store *models.Store, log *slog.Logger) *importer {
	return &importer{ctx: ctx, store: store, log: log, jobs: map[int64]*importJob{}}
}

// importJob is one import: what was asked and how far it got.
type importJob struct {
	id         int64
	providerID int64
	account    string
	file       string
	by         string
	size       int64
	started    time.Time

	mu       sync.Mutex
	prog     models.ImportProgress
	done     bool
	finished time.Time
	err      error
}

// start imports the CSV at path (a temp file it then removes) into the
// account, in the background.
func (im *importer) start(acct models.ProviderAccount, file, by, path string, size int64) *importJob {
	im.mu.Lock()
	im.seq++
	j := &importJob{id: im.seq, providerID: acct.ID, account: acct.Name, file: file, by: by, size: size, started: time.Now()}
	im.jobs[j.id] = j
	im.evictLocked()
	im.mu.Unlock()
	im.wg.Add(1)
	go func() {
		defer im.wg.Done()
		res, err := im.run(j, path)
		j.mu.Lock()
		j.prog.Result, j.err, j.done, j.finished = res, err, true, time.Now()
		j.mu.Unlock()
		var ve *models.ValidationError
		if err != nil && !errors.As(err, &ve) {
			im.log.Error("device import", slog.Int64("provider", acct.ID), slog.String("file", file), slog.Any("error", err))
		}
	}()
	return j
}

func (im *importer) run(j *importJob, path string) (models.ImportResult, error) {
	defer func() {
		if err := os.Remove(path); err != nil {
			im.log.Warn("remove import file", slog.String("path", path), slog.Any("error", err))
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return models.ImportResult{}, fmt.Errorf("handlers: open import file: %w", err)
	}
	defer f.Close()
	return im.store.ImportCSV(im.ctx, j.providerID, f, models.ImportOptions{Progress: func(p models.ImportProgress) {
		j.mu.Lock()
		j.prog = p
		j.mu.Unlock()
	}})
}

// evictLocked forgets the oldest finished jobs beyond maxImportJobs.
func (im *importer) evictLocked() {
	for len(im.jobs) > maxImportJobs {
		var oldest *importJob
		for _, j := range im.jobs {
			j.mu.Lock()
			done := j.done
			j.mu.Unlock()
			if done && (oldest == nil || j.id < oldest.id) {
				oldest = j
			}
		}
		if oldest == nil {
			return
		}
		delete(im.jobs, oldest.id)
	}
}

func (im *importer) get(id int64) (*importJob, bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	j, ok := im.jobs[id]
	return j, ok
}

// recent returns the remembered jobs, newest first.
func (im *importer) recent() []*importJob {
	im.mu.Lock()
	defer im.mu.Unlock()
	out := make([]*importJob, 0, len(im.jobs))
	for _, j := range im.jobs {
		out = append(out, j)
	}
	slices.SortFunc(out, func(a, b *importJob) int { return cmp.Compare(b.id, a.id) })
	return out
}

// view renders a job's state for the page, in the reader's language.
func (j *importJob) view(c *gin.Context) audience.JobView {
	ctx := c.Request.Context()
	j.mu.Lock()
	p, done, err, finished := j.prog, j.done, j.err, j.finished
	j.mu.Unlock()
	r := p.Result
	v := audience.JobView{URL: fmt.Sprintf("/audience/import/%d", j.id), Account: j.account, File: j.file, By: j.by, Started: when(j.started),
		Running: !done, Read: bytesText(p.Bytes), Rows: num(p.Rows), Imported: num(r.Imported), Updated: num(r.Updated),
		Unchanged: num(r.Unchanged), Rejected: num(r.RejectedTotal)}
	if j.size > 0 {
		v.Percent = int(min(100, p.Bytes*100/j.size))
	}
	if done {
		v.Elapsed = finished.Sub(j.started).Round(100 * time.Millisecond).String()
	}
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		for k, fe := range ve.Fields {
			label := "audience.field_" + k
			v.FileErrors = append(v.FileErrors, i18n.T(ctx, label)+": "+i18n.T(ctx, fe.ID, fe.Data))
		}
		slices.Sort(v.FileErrors)
	case err != nil:
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

func (s *Server) renderImport(c *gin.Context, status int, providerID string, errs web.Errors, job *importJob) {
	ctx := c.Request.Context()
	accts, acct, err := s.audienceAccount(ctx, providerID)
	if err != nil {
		s.fail(c, err)
		return
	}
	pid := strconv.FormatInt(acct.ID, 10)
	v := audience.ImportView{Tabs: audience.Tabs{Current: "import", ProviderID: pid}, Accounts: accts, ProviderID: pid, Errors: errs}
	if job != nil {
		jv := job.view(c)
		v.Job = &jv
	}
	for _, j := range s.imports.recent() {
		if job == nil || j.id != job.id {
			v.Recent = append(v.Recent, j.view(c))
		}
	}
	s.render(c, status, audience.Import(v))
}

func (s *Server) showImportJob(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	j, found := s.imports.get(id)
	if !ok || !found {
		s.fail(c, models.ErrNotFound)
		return
	}
	if isPartial(c) {
		s.render(c, http.StatusOK, audience.Job(j.view(c)))
		return
	}
	s.renderImport(c, http.StatusOK, strconv.FormatInt(j.providerID, 10), nil, j)
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
	j := s.imports.start(acct, file, actor(c), path, size)
	if !s.audit(c, "device_import", fmt.Sprintf("provider:%d", acct.ID), file) {
		return
	}
	if isPartial(c) {
		s.render(c, http.StatusOK, audience.Job(j.view(c)))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/audience/import/%d", j.id))
}

func removeTemp(path string) {
	if path != "" {
		_ = os.Remove(path) // best effort: a file in the temp dir
	}
}

var errTooLarge = errors.New("upload too large")

// receiveUpload copies the "file" part into a temp file and returns it with
// the provider_id field.
func (s *Server) receiveUpload(c *gin.Context) (pid, name, path string, size int64, err error) {
	if c.Request.MultipartForm != nil {
		pid = c.PostForm("provider_id")
		fh, ferr := c.FormFile("file")
		if ferr != nil {
			return pid, "", "", 0, nil
		}
		f, ferr := fh.Open()
		if ferr != nil {
			return pid, fh.Filename, "", 0, fmt.Errorf("handlers: open upload: %w", ferr)
		}
		defer f.Close()
		path, size, err = spool(f)
		return pid, fh.Filename, path, size, err
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBytes)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return "", "", "", 0, nil // not multipart: reported as a missing file
	}
	for {
		part, perr := mr.NextPart()
		if errors.Is(perr, io.EOF) {
			return pid, name, path, size, nil
		}
		if perr != nil {
			return pid, name, path, size, tooLarge(perr)
		}
		switch part.FormName() {
		case "provider_id":
			b, _ := io.ReadAll(io.LimitReader(part, 32)) // a short field; a read error leaves it invalid
			pid = string(b)
		case "file":
			if path != "" {
				continue
			}
			name = part.FileName()
			path, size, err = spool(part)
			if err != nil {
				return pid, name, path, size, tooLarge(err)
			}
		}
		if err := part.Close(); err != nil {
			return pid, name, path, size, tooLarge(err)
		}
	}
}

func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return fmt.Errorf("handlers: read upload: %w", err)
}

// spool copies r into a new temp file.
func spool(r io.Reader) (string, int64, error) {
	f, err := os.CreateTemp("", "pushdeck-import-*.csv")
	if err != nil {
		return "", 0, fmt.Errorf("handlers: spool upload: %w", err)
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return f.Name(), n, err
	}
	return f.Name(), n, nil
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}
