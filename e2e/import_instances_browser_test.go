package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models/dbtest"
)

// sibling is a second `pushdeck serve` on s's database, as a second
// instance behind a load balancer.
func (s *server) sibling(name string) *server {
	s.t.Helper()
	art := filepath.Join(s.artifacts, name)
	if err := os.MkdirAll(art, 0o755); err != nil {
		s.t.Fatal(err)
	}
	return &server{t: s.t, db: s.db, env: s.env, log: &syncBuffer{}, artifacts: art}
}

// importCSV writes n devices with an alias, a user id and tags each (the
// indexes make the import take seconds, long enough to watch).
func importCSV(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fleet.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "cid,alias,user_id,tags")
	for i := range n {
		// Aliases and user ids in another order than the cids, as real ones are.
		k := (i * 7919) % n
		fmt.Fprintf(w, "fleet-%07d,al-%07d,u-%07d,vip;t%d\n", i, k, k, i%3)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportAcrossInstancesBrowser: two pushdeck processes share one
// database. An import uploaded to the first is followed on the second's
// page; the first is killed mid-import (SIGKILL), and the second's page
// says the import was interrupted and to upload the file again, which,
// done on the second, finishes it: every device in, none twice.
func TestImportAcrossInstancesBrowser(t *testing.T) {
	// Instances that share the work share a PostgreSQL database. On one
	// SQLite file the second process's page waits behind the first's
	// 50,000-row import transactions (one writer for the file), so the
	// page may not load within the test's minute while the import runs.
	dbtest.Postgres(t)
	const n = 1_000_000
	a := newServer(t)
	// A dead instance is noticed within a second.
	a.env = append(a.env, "PUSHDECK_INSTANCE_LEASE=1s")
	a.cli("admin", "create", "--email", adminEmail, "--password", adminPassword)
	a.start()
	b := a.sibling("b")
	b.start()
	path := importCSV(t, n)

	ta := newTab(t, a)
	ta.login(adminEmail, adminPassword)
	tb := newTab(t, b)
	tb.login(adminEmail, adminPassword)
	ta.open("/audience/import")
	ta.upload("choose the CSV file", `[data-testid="import-form"] input[type="file"][name="file"]`, path)
	ta.click("start the import on the first instance", `[data-testid="start-import"]`)
	ta.waitFor("the job card", `!!document.querySelector('#import-job [data-testid="import-job"]')`, time.Minute)
	jobURL := eval[string](ta, "the job's address", `document.querySelector('#import-job [data-testid="import-job"]').getAttribute('hx-get') || ""`)
	ta.check("the import runs", strings.HasPrefix(jobURL, "/audience/import/"), "the card does not poll: %q", ta.text(`#import-job`))

	tb.open(jobURL)
	tb.waitFor("the second instance shows the import moving",
		`(() => { const p = document.querySelector('#import-job [data-testid="import-progress"]'); return !!p && p.value > 0 })()`, time.Minute)
	tb.check("the file's name", strings.Contains(tb.text(`#import-job`), "fleet.csv"), "card: %q", tb.text(`#import-job`))
	tb.shot("import-on-b")
	// Past 100,000 counted, at least one 50,000-row transaction is in.
	tb.waitFor("the second instance counts 100,000 rows in",
		`parseInt((document.querySelector('#import-job [data-testid="import-imported"]')?.textContent || "0").replace(/\D/g, "")) >= 100000`, time.Minute)

	// The first instance dies in the middle of the import.
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the second instance says the import was interrupted",
		`!!document.querySelector('#import-job [data-testid="import-interrupted"]')`, 45*time.Second)
	msg := tb.text(`#import-job [data-testid="import-interrupted"]`)
	tb.check("how to finish it", strings.Contains(msg, "upload the file again"), "message %q", msg)
	count := func(id string) int {
		raw := strings.ReplaceAll(tb.text(fmt.Sprintf(`#import-job [data-testid=%q]`, id)), ",", "")
		v, err := strconv.Atoi(raw)
		if err != nil {
			t.Fatalf("%s: %q", id, raw)
		}
		return v
	}
	// The card counts what the killed instance committed as of its last
	// write of the row (made as each transaction commits), never the rows
	// of the transaction it had open: the upload below finds at least
	// those unchanged.
	partial := count("import-imported")
	tb.check("the interrupted card counts what is in", partial >= 50_000 && partial < n, "imported %d before the kill", partial)
	tb.shot("import-interrupted")

	// Uploading the file again on the second instance finishes the job.
	tb.open("/audience/import")
	tb.upload("choose the CSV file again", `[data-testid="import-form"] input[type="file"][name="file"]`, path)
	tb.click("start the import on the second instance", `[data-testid="start-import"]`)
	tb.waitFor("the second import finishes", `!!document.querySelector('#import-job [data-testid="import-done"]')`, 3*time.Minute)
	imported, unchanged := count("import-imported"), count("import-unchanged")
	tb.check("every device once", imported+unchanged == n && count("import-updated") == 0,
		"imported %d, unchanged %d, want %d in all", imported, unchanged, n)
	// A transaction committed just before the kill may miss the row's last
	// write: the card is then one transaction (50,000 rows) behind.
	t.Logf("interrupted card: %d new; the second upload: %d unchanged", partial, unchanged)
	tb.check("the interrupted card's count was what was in", partial <= unchanged && unchanged-partial <= 50_000,
		"%d unchanged on the second upload, %d on the interrupted card", unchanged, partial)
	statuses := tb.text(`[data-testid="recent-imports"]`)
	tb.check("the recent imports list the interrupted one", strings.Contains(statuses, "Interrupted"), "recent: %q", statuses)
	tb.shot("import-finished-on-b")
}
