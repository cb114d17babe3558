package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// secondInstance is another Server on app's database, as a second process
// behind a load balancer would be, with its own instance id.
func (a *testApp) secondInstance(id string) *testApp {
	a.t.Helper()
	srv := New(Params{Store: a.store, Engine: a.engine, Registry: testRegistry(), Catalog: a.srv.cat, Log: a.srv.log, Instance: id})
	ts := httptest.NewServer(srv.Handler())
	a.t.Cleanup(func() {
		ts.Close()
		srv.Wait()
	})
	return &testApp{t: a.t, store: a.store, engine: a.engine, srv: srv, ts: ts}
}

// TestImportSeenFromAnotherInstance: an import uploaded to one instance is
// polled on another, which shows it running and then its result, though
// only the first runs it.
func TestImportSeenFromAnotherInstance(t *testing.T) {
	a := newTestApp(t)
	ba := a.browser()
	ba.setupAdmin("admin@example.com", "password123")
	b := a.secondInstance("instance-b")
	bb := b.browser()
	bb.c.Jar = ba.c.Jar // one operator; the session is in the database
	pid := fmt.Sprint(a.sandboxID())
	const rows = 200_000
	var csv strings.Builder
	csv.WriteString("cid,tags\n")
	for i := range rows {
		fmt.Fprintf(&csv, "inst-%06d,vip\n", i)
	}
	csv.WriteString("extra,vip,column\n")

	resp, body := ba.upload(pid, "fleet.csv", csv.String(), false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload to the first instance: %d %s", resp.StatusCode, body)
	}
	jobURL := resp.Header.Get("Location")
	partial := map[string]string{"HX-Request": "true"}
	var running, last string
	eventually(t, 60*time.Second, "the second instance to show the import finished", func() bool {
		resp, last = bb.do(http.MethodGet, jobURL, nil, partial)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("poll on the second instance: %d %s", resp.StatusCode, last)
		}
		if strings.Contains(last, `data-running="true"`) {
			running = last
			return false
		}
		return true
	})
	if running == "" {
		t.Error("the second instance never showed the import running")
	} else if d := doc(t, running); !strings.Contains(d.Find(`[data-testid="import-status"]`).Text(), "%") || !strings.Contains(running, "fleet.csv") {
		t.Errorf("running card on the second instance: %s", running)
	}
	d := doc(t, last)
	if got := d.Find(`[data-testid="import-imported"]`).Text(); got != "200,000" {
		t.Errorf("imported %q on the second instance: %s", got, last)
	}
	if got := d.Find(`[data-testid="import-rejected"]`).Text(); got != "1" || d.Find(`[data-testid="rejection"]`).Length() != 1 {
		t.Errorf("rejected %q, rows %d", got, d.Find(`[data-testid="rejection"]`).Length())
	}
	if d.Find(`[data-testid="import-done"]`).Length() != 1 {
		t.Errorf("no done line: %s", last)
	}
	job := a.latestImport()
	if job.InstanceID != a.srv.imports.instance || job.Status != models.ImportDone {
		t.Errorf("job ran on %q (%s), want the instance that received the upload, %q", job.InstanceID, job.Status, a.srv.imports.instance)
	}
	// The full pages of both instances list it among the recent imports.
	_, page := bb.get("/audience/import")
	if got := doc(t, page).Find(`[data-testid="recent-imports"] a`).First().Text(); got != "fleet.csv" {
		t.Errorf("second instance's recent imports start with %q", got)
	}
}

// TestImportOfDeadInstance: a job whose instance died mid-import (its row
// left running: the process was killed) shows as interrupted, with how to
// finish it, on the instance that starts next, which also marks the row.
func TestImportOfDeadInstance(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	// The dead process wrote its last progress a minute ago.
	past := a.store.WithClock(func() time.Time { return time.Now().Add(-time.Minute) })
	job, err := past.CreateImportJob(ctx, models.ImportJobInput{ProviderID: a.sandboxID(), FileName: "killed.csv", Size: 1000, StartedBy: "ops", InstanceID: "killed-1"})
	if err != nil {
		t.Fatal(err)
	}
	// 40 rows counted, of which the 10 of its open transaction died with it.
	if err := past.UpdateImportProgress(ctx, job.ID, models.ImportProgress{Bytes: 400, Rows: 40, Result: models.ImportResult{UpsertResult: models.UpsertResult{Imported: 40}},
		Committed: models.UpsertResult{Imported: 30}}); err != nil {
		t.Fatal(err)
	}
	c := a.secondInstance("restarted")
	bc := c.browser()
	bc.setupAdmin("admin@example.com", "password123")
	check := func(when string) {
		t.Helper()
		_, body := bc.do(http.MethodGet, fmt.Sprintf("/audience/import/%d", job.ID), nil, map[string]string{"HX-Request": "true"})
		d := doc(t, body)
		if msg := d.Find(`[data-testid="import-interrupted"]`).Text(); !strings.Contains(msg, "upload the file again") {
			t.Errorf("%s: interrupted job shows %q", when, body)
		}
		if strings.Contains(body, `data-running`) || d.Find(`[data-testid="import-imported"]`).Text() != "30" {
			t.Errorf("%s: card %s", when, body)
		}
	}
	check("before the restarted instance's sweep")
	c.srv.housekeep(ctx)
	if n, err := a.store.InterruptImportJobs(ctx, "anyone"); err != nil || n != 0 {
		t.Errorf("the start sweep left %d running rows (%v)", n, err)
	}
	check("after it")
	_, page := bc.get("/audience/import")
	if got := doc(t, page).Find(`[data-testid="recent-status"]`).First().Text(); got != "Interrupted" {
		t.Errorf("recent imports status %q", got)
	}
}
