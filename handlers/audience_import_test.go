package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// upload posts a multipart CSV to the import page: as htmx (CSRF header,
// streamed) or as a plain form (CSRF field).
func (b *browser) upload(providerID, name, csv string, htmx bool) (*http.Response, string) {
	b.app.t.Helper()
	if b.csrf == "" {
		b.get("/settings")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if !htmx {
		if err := mw.WriteField("csrf_token", b.csrf); err != nil {
			b.app.t.Fatal(err)
		}
	}
	if err := mw.WriteField("provider_id", providerID); err != nil {
		b.app.t.Fatal(err)
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			b.app.t.Fatal(err)
		}
		if _, err := io.WriteString(fw, csv); err != nil {
			b.app.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		b.app.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.app.ts.URL+"/audience/import", &buf)
	if err != nil {
		b.app.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if htmx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.app.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.app.t.Fatal(err)
	}
	return resp, string(raw)
}

// latestImport is the newest import job's row.
func (a *testApp) latestImport() models.ImportJob {
	a.t.Helper()
	jobs, err := a.store.RecentImportJobs(context.Background(), 1)
	if err != nil || len(jobs) == 0 {
		a.t.Fatalf("no import job: %v", err)
	}
	return jobs[0]
}

func TestImportPage(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := fmt.Sprint(app.sandboxID())
	var csv strings.Builder
	csv.WriteString("\uFEFFcid,platform,tags\r\n")
	for i := range 2500 {
		fmt.Fprintf(&csv, "cid-%05d,android,vip;t%d\r\n", i, i%3)
	}
	csv.WriteString("bad,windows,\r\nshort\r\n")

	resp, body := b.upload(pid, "devices.csv", csv.String(), true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("htmx upload: %d %s", resp.StatusCode, body)
	}
	d := doc(t, body)
	job := d.Find(`[data-testid="import-job"]`)
	jobURL, ok := job.Attr("hx-get")
	if !ok {
		// Small files may finish before the answer: the card then shows the result.
		jobURL = ""
	}
	if jobURL == "" {
		app.srv.imports.wg.Wait()
		jobURL = fmt.Sprintf("/audience/import/%d", app.latestImport().ID)
	}
	var final string
	eventually(t, 20*time.Second, "import to finish", func() bool {
		_, final = b.do(http.MethodGet, jobURL, nil, map[string]string{"HX-Request": "true"})
		return !strings.Contains(final, `data-running="true"`)
	})
	d = doc(t, final)
	if got := d.Find(`[data-testid="import-imported"]`).Text(); got != "2,500" {
		t.Errorf("imported %q: %s", got, final)
	}
	if got := d.Find(`[data-testid="import-rejected"]`).Text(); got != "2" {
		t.Errorf("rejected %q", got)
	}
	rows := d.Find(`[data-testid="rejection"]`)
	if rows.Length() != 2 || !strings.HasPrefix(strings.TrimSpace(rows.First().Text()), "2502") {
		t.Errorf("rejections: %q", rows.Text())
	}
	// The full job page renders too.
	if resp, body := b.get(jobURL); resp.StatusCode != http.StatusOK || !strings.Contains(body, "devices.csv") {
		t.Errorf("job page: %d", resp.StatusCode)
	}
	// A plain form post (no JavaScript) redirects to the job page; the
	// same file again changes nothing.
	resp, _ = b.upload(pid, "again.csv", csv.String(), false)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/audience/import/") {
		t.Fatalf("plain upload: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	app.srv.imports.wg.Wait()
	_, body = b.get(resp.Header.Get("Location"))
	d = doc(t, body)
	if d.Find(`[data-testid="import-unchanged"]`).Text() != "2,500" || d.Find(`[data-testid="import-imported"]`).Text() != "0" {
		t.Errorf("re-import: unchanged %q imported %q", d.Find(`[data-testid="import-unchanged"]`).Text(), d.Find(`[data-testid="import-imported"]`).Text())
	}

	t.Run("file problems", func(t *testing.T) {
		resp, body := b.upload(pid, "", "", false)
		if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find(`[data-testid="error-file"]`).Length() != 1 {
			t.Errorf("no file: %d", resp.StatusCode)
		}
		resp, body = b.upload("999", "x.csv", "cid\na\n", false)
		if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find(`[data-testid="error-provider_id"]`).Length() != 1 {
			t.Errorf("unknown account: %d", resp.StatusCode)
		}
		resp, _ = b.upload(pid, "bad.csv", "alias,tag\nx,y\n", true)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("bad header upload: %d", resp.StatusCode)
		}
		app.srv.imports.wg.Wait()
		_, body = b.get(fmt.Sprintf("/audience/import/%d", app.latestImport().ID))
		errs := doc(t, body).Find(`[data-testid="import-file-errors"]`).Text()
		if !strings.Contains(errs, "tag") {
			t.Errorf("header problems not shown: %q", errs)
		}
	})
}
