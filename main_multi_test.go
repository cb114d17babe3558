package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// multiRecipients is the two-instance crash test's audience: 20,000 in the
// normal run, PUSHDECK_MULTI_N (e.g. 100000) when set.
func multiRecipients(t *testing.T) int {
	t.Helper()
	raw := os.Getenv("PUSHDECK_MULTI_N")
	if raw == "" {
		return 20_000
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1000 {
		t.Fatalf("PUSHDECK_MULTI_N=%q: want a whole number of at least 1000", raw)
	}
	return n
}

// instanceProc is one pushdeck serve process of the crash test.
type instanceProc struct {
	t    *testing.T
	bin  string
	env  []string
	name string
	cmd  *exec.Cmd
	addr string
}

func (p *instanceProc) start() {
	p.t.Helper()
	p.addr = freeAddr(p.t)
	p.cmd = exec.Command(p.bin, "serve", "--addr", p.addr)
	p.cmd.Env = p.env
	p.cmd.Stderr = io.Discard
	if dir := os.Getenv("PUSHDECK_MULTI_LOGS"); dir != "" {
		// Keeps each run's log for a failure's post-mortem.
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.log", p.name, time.Now().UnixNano())))
		if err != nil {
			p.t.Fatal(err)
		}
		p.t.Cleanup(func() { _ = f.Close() }) // a log file; nothing to recover
		p.cmd.Stderr = f
	}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	// A test that fails half way must not leave the process running.
	cmd := p.cmd
	p.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill() // already gone when stopped or killed
			_ = cmd.Wait()         // the exit status of a process killed on cleanup says nothing
		}
	})
}

// waitUp waits until the process answers /healthz.
func (p *instanceProc) waitUp() {
	p.t.Helper()
	for up := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + p.addr + "/healthz"); err == nil {
			_ = resp.Body.Close() // only the answer matters
			return
		}
		if time.Now().After(up) {
			p.t.Fatalf("instance %s never answered /healthz", p.name)
		}
	}
}

func (p *instanceProc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	_ = p.cmd.Wait() // killed: the exit status is expected to be an error
}

func (p *instanceProc) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		p.t.Errorf("instance %s: graceful stop: %v", p.name, err)
	}
}

// injectFaults plays the mix of provider faults the crash tests use — 5xx
// answers, 429s with a Retry-After, truncated bodies — one every `every`
// until stop is closed. Faults come at a pace, not per request: kept to
// about one in six requests, so retried batches are not starved by faults
// meant for the traffic.
func injectFaults(fake *mxfake.Server, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		switch rand.IntN(4) {
		case 0:
			fake.FailNext(1, http.StatusBadGateway)
		case 1:
			fake.ThrottleNext(1, 200*time.Millisecond)
		case 2:
			fake.MalformedNext(1)
		case 3:
			fake.FailNext(1, http.StatusServiceUnavailable)
		}
	}
}

// afterPush returns once the fake has recorded a new push, or after wait.
func afterPush(fake *mxfake.Server, wait time.Duration) {
	n := len(fake.Tasks())
	for end := time.Now().Add(wait); len(fake.Tasks()) == n && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTwoInstancesKill9 runs two pushdeck processes on one database
// sending one listed campaign through the MX push fake under a fault mix,
// kills one of them with SIGKILL three times and restarts it, and checks
// that every recipient was pushed exactly once (a batch sent again carries
// its request id, which the provider de-duplicates), has exactly one
// accepted delivery row, the totals are right, and the other instance kept
// sending while the killed one was down. The first instance started leads
// and plans; its first death hands leadership to the other.
func TestTwoInstancesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two binaries for tens of seconds")
	}
	n := multiRecipients(t)
	bin := buildBinary(t)
	fake := mxfake.New(t)
	// Requests stay in flight long enough for kills to land inside them.
	fake.SetDelay(100 * time.Millisecond)
	// Answers come back late after the push: a kill then loses an answer
	// whose push happened, and the batch goes again under its request id.
	fake.SetAnswerDelay(300 * time.Millisecond)
	// A fresh PostgreSQL database when the suite runs on it (the binaries
	// get its URL as PUSHDECK_DB), a SQLite file otherwise.
	dsn := dbtest.Fresh(t)
	if d := os.Getenv("PUSHDECK_MULTI_LOGS"); d != "" && !dbtest.IsPostgres() {
		dsn = filepath.Join(d, "multi.db") // kept beside the logs
	}
	const key = "multi-crash-key"
	// About fifteen seconds of sending whatever n: 500 recipients a request.
	rate := max(2, float64(n)/500/15)
	t.Logf("%d recipients at %.1f requests/s", n, rate)
	id := seedCampaignAt(t, dsn, key, fake, n, rate)

	env := append(os.Environ(), "PUSHDECK_DB="+dsn, "PUSHDECK_SECRET_KEY="+key, "PUSHDECK_LOG_LEVEL=warn", "PUSHDECK_INSTANCE_LEASE=1s")
	a := &instanceProc{t: t, bin: bin, env: env, name: "a"}
	b := &instanceProc{t: t, bin: bin, env: env, name: "b"}
	b.start() // b leads: it plans the campaign, then dies first
	b.waitUp()
	a.start()
	a.waitUp()
	stopFaults := make(chan struct{})
	var faults sync.WaitGroup
	faults.Go(func() { injectFaults(fake, time.Duration(6/rate*float64(time.Second)), stopFaults) })

	watch := openWatcher(t, dsn, key, id)
	watch.until(t, 30*time.Second, "a tenth sent", func(c models.Campaign) bool { return c.Accepted >= int64(n/10) })
	var rises []int64
	for kill := range 3 {
		// Just after a push, while its answer is on its way back: when the
		// push was b's, b dies not knowing it was pushed.
		afterPush(fake, 5*time.Second)
		b.kill()
		before := watch.accepted(t)
		time.Sleep(time.Duration(1500+rand.IntN(1000)) * time.Millisecond)
		after := watch.accepted(t)
		rises = append(rises, after-before)
		if after <= before && after < int64(n) {
			t.Errorf("kill %d: %d accepted when b died, %d after its down time: a stopped sending", kill+1, before, after)
		}
		b.start()
		time.Sleep(time.Duration(1000+rand.IntN(1000)) * time.Millisecond)
	}
	// The tail goes without faults: a few batches left retrying would meet
	// every fault queued for the traffic and back off for minutes.
	close(stopFaults)
	faults.Wait()
	c := watch.until(t, 2*time.Minute, "the campaign completes", func(c models.Campaign) bool { return c.Status.Terminal() })
	a.stop()
	b.stop()
	if c.Status != models.StatusCompleted {
		t.Fatalf("campaign %s with %+v; failed by code: %v", c.Status, c.Totals(), watch.failures(t))
	}
	if want := (models.Totals{Recipients: int64(n), Accepted: int64(n)}); c.Totals() != want {
		t.Errorf("totals %+v, want %+v", c.Totals(), want)
	}
	rows := watch.deliveryRows(t)
	if rows.all != int64(n) || rows.accepted != int64(n) || rows.distinct != int64(n) {
		t.Errorf("delivery rows %+v, want %d, each recipient once, all accepted", rows, n)
	}
	pushedBy := make(map[string]string, n)
	dups := 0
	for _, task := range fake.Tasks() {
		dups += task.Duplicates
		for _, v := range task.Values {
			if prev, ok := pushedBy[v]; ok {
				t.Fatalf("%s pushed under two request ids: %s and %s", v, prev, task.RequestID)
			}
			pushedBy[v] = task.RequestID
		}
	}
	if len(pushedBy) != n {
		t.Errorf("%d recipients pushed, want %d", len(pushedBy), n)
	}
	t.Logf("%d recipients at %.1f requests/s; accepted while b was down: %v; %d pushes, %d tasks, %d batches resent under their same request id", n, rate, rises, len(fake.RequestsTo("/push/notify")), len(fake.Tasks()), dups)
}

// watcher reads the campaign from the test process, as a third client of
// the database.
type watcher struct {
	store *models.Store
	id    int64
}

func openWatcher(t *testing.T, dsn, key string, id int64) *watcher {
	t.Helper()
	store, closeDB := openTestStore(t, dsn, key)
	t.Cleanup(closeDB)
	return &watcher{store: store, id: id}
}

func (w *watcher) campaign(t *testing.T) models.Campaign {
	t.Helper()
	c, err := w.store.CampaignByID(context.Background(), w.id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (w *watcher) accepted(t *testing.T) int64 { return w.campaign(t).Accepted }

func (w *watcher) until(t *testing.T, timeout time.Duration, what string, cond func(models.Campaign) bool) models.Campaign {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c := w.campaign(t)
		if cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, not yet %s: campaign %s with %+v; failed by code: %v", timeout, what, c.Status, c.Totals(), w.failures(t))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type rowCounts struct{ all, accepted, distinct int64 }

func (w *watcher) deliveryRows(t *testing.T) rowCounts {
	t.Helper()
	var r rowCounts
	err := w.store.DB().Raw(`SELECT COUNT(*), COUNT(CASE WHEN status = 'accepted' THEN 1 END), COUNT(DISTINCT recipient) FROM deliveries WHERE campaign_id = ?`, w.id).
		Row().Scan(&r.all, &r.accepted, &r.distinct)
	if err != nil {
		t.Fatal(fmt.Errorf("delivery rows: %w", err))
	}
	return r
}

// failures counts the failed delivery rows by code and message.
func (w *watcher) failures(t *testing.T) map[string]int {
	t.Helper()
	fs, err := w.store.CampaignFailures(context.Background(), w.id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, f := range fs {
		out[fmt.Sprintf("%+v", f)]++
	}
	return out
}
