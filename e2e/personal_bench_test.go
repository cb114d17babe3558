package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// personalRun is what one personalized send through the binary measured.
type personalRun struct {
	send      time.Duration
	peakRSSMB float64 // the server's VmHWM over the send
	importMB  float64 // its VmHWM by the end of the import
	accepted  int64
	pushed    int64
	wrong     int64 // pushes whose text was not their recipient's own
	requests  int64
	// serverCPU and fakeCPU are the CPU time the binary and this process
	// (the fake, and the polling) used over the send: per recipient they
	// are the cost a busy machine cannot hide.
	serverCPU time.Duration
	fakeCPU   time.Duration
}

// personalSend drives the real binary through its CLI and JSON API: an MX
// push account at the loopback fake (lean: it keeps no bodies, it checks
// each push's text against its recipient as it arrives), n devices imported
// as CSV with a name of their own each, and a campaign to all of them
// greeting each by name, so every text differs and every recipient is a
// request of its own.
func personalSend(tb testing.TB, n int) personalRun {
	tb.Helper()
	var mu sync.Mutex
	run := personalRun{}
	fake := mxfake.New(tb, mxfake.Lean(func(values []string, m *mxfake.Message) {
		mu.Lock()
		defer mu.Unlock()
		run.requests++
		for _, v := range values {
			run.pushed++
			if m == nil || m.Title != "Hi "+personalName(v) {
				run.wrong++
			}
		}
	}))
	srv := newServer(tb)
	key := srv.cli("apikey", "create", "--name", "bench", "--role", "admin")
	srv.start()
	var acct struct {
		ID int64 `json:"id"`
	}
	// The account's rate is set through the API, as an operator whose
	// contract allows it would: the figure is the engine's, not the
	// adaptive rate's start.
	body := map[string]any{"name": "mx", "kind": "mxpush", "base_url": fake.URL(), "rate_limit": 100000,
		"credentials": map[string]any{"app_id": fake.AppID(), "access_token": fake.Token()}}
	if code := srv.api(http.MethodPost, "/api/v1/providers", key, body, &acct); code != http.StatusCreated {
		tb.Fatalf("create provider: %d", code)
	}
	importNamed(tb, srv, key, acct.ID, n)
	// The import's peak is not the send's: reset the server's VmHWM
	// (Linux clear_refs 5) so the send's own peak is measured.
	run.importMB = vmHWM(tb, srv.cmd.Process.Pid)
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", srv.cmd.Process.Pid), []byte("5"), 0); err != nil {
		tb.Logf("peak RSS not reset (%v): it includes the import", err)
	}
	camp := map[string]any{"name": "personal", "provider_id": acct.ID, "audience": map[string]any{"kind": "all"},
		"message": map[string]any{"type": "notification", "title": `Hi {{ name | default: "there" }}`, "body": "A text of your own"}}
	var c struct {
		ID int64 `json:"id"`
	}
	if code := srv.api(http.MethodPost, "/api/v1/campaigns", key, camp, &c); code != http.StatusCreated {
		tb.Fatalf("create campaign: %d\n%s", code, srv.logTail())
	}
	start, cpu0, self0 := time.Now(), processCPU(tb, srv.cmd.Process.Pid), selfCPU(tb)
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", c.ID), key, nil, nil); code != http.StatusOK {
		tb.Fatalf("send: %d\n%s", code, srv.logTail())
	}
	for deadline := start.Add(30 * time.Minute); ; {
		time.Sleep(100 * time.Millisecond)
		var st struct {
			Status string `json:"status"`
			Reason string `json:"status_reason"`
			Totals struct {
				Accepted int64 `json:"accepted"`
			} `json:"totals"`
		}
		if err := json.Unmarshal(getRaw(tb, srv, key, fmt.Sprintf("/api/v1/campaigns/%d", c.ID)), &st); err != nil {
			tb.Fatal(err)
		}
		if st.Status == "completed" {
			run.send, run.accepted = time.Since(start), st.Totals.Accepted
			run.serverCPU, run.fakeCPU = processCPU(tb, srv.cmd.Process.Pid)-cpu0, selfCPU(tb)-self0
			break
		}
		if st.Status == "failed" || st.Status == "paused" || time.Now().After(deadline) {
			tb.Fatalf("campaign %s (%s)\n%s", st.Status, st.Reason, srv.logTail())
		}
	}
	run.peakRSSMB = vmHWM(tb, srv.cmd.Process.Pid)
	mu.Lock()
	defer mu.Unlock()
	return run
}

// personalName is the name the i-th device (cid benchCID(i)) carries: its
// own, derived from its cid so the fake can check a push without a table.
func personalName(cid string) string { return "n" + cid[len(cid)-8:] }

// importNamed imports n devices with a name attribute each through the
// CSV import, 100,000 rows a request.
func importNamed(tb testing.TB, srv *server, key string, provider int64, n int) {
	tb.Helper()
	for lo := 0; lo < n; lo += 100_000 {
		pr, pw := io.Pipe()
		go func() {
			var b strings.Builder
			b.WriteString("cid,name\n")
			for i := lo; i < min(lo+100_000, n); i++ {
				cid := benchCID(i)
				b.WriteString(cid + "," + personalName(cid) + "\n")
			}
			_, err := io.WriteString(pw, b.String())
			pw.CloseWithError(err)
		}()
		code, raw := srv.apiRaw(5*time.Minute, http.MethodPost, fmt.Sprintf("/api/v1/devices/import?provider_id=%d", provider), key, pr)
		if code != http.StatusOK {
			tb.Fatalf("import: %d %.300s", code, raw)
		}
	}
}

// TestPersonalizedSendThroughAPI is the small run of the benchmark below,
// in the normal suite.
func TestPersonalizedSendThroughAPI(t *testing.T) {
	const n = 2000
	run := personalSend(t, n)
	if run.accepted != n || run.pushed != n || run.wrong != 0 || run.requests != n {
		t.Errorf("accepted %d, pushed %d (%d with another's text) in %d requests; want %d each and none wrong", run.accepted, run.pushed, run.wrong, run.requests, n)
	}
}

// BenchmarkPersonalizedSendE2E sends a personalized campaign where every
// text differs to a million imported devices through the binary's public
// surfaces and the loopback MX push fake (one request per recipient: MX
// push has no call for many single pushes). It reports recipients/s from
// send to completed and the server's peak RSS. Gated because it takes
// minutes:
//
//	PUSHDECK_BENCH_E2E=1 go test -run '^$' -bench PersonalizedSendE2E -benchtime 1x ./e2e
//
// PUSHDECK_BENCH_RECIPIENTS sets the audience (default 1,000,000).
func BenchmarkPersonalizedSendE2E(b *testing.B) {
	if os.Getenv("PUSHDECK_BENCH_E2E") != "1" {
		b.Skip("set PUSHDECK_BENCH_E2E=1 to run the million-recipient personalized send through the binary")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_RECIPIENTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		run := personalSend(b, n)
		if run.accepted != int64(n) || run.pushed != int64(n) || run.wrong != 0 {
			b.Fatalf("accepted %d, pushed %d, wrong text %d; want %d, %d, 0", run.accepted, run.pushed, run.wrong, n, n)
		}
		rate := float64(n) / run.send.Seconds()
		b.ReportMetric(rate, "recipients/s")
		b.ReportMetric(run.peakRSSMB, "server_peak_rss_MB")
		b.ReportMetric(run.importMB, "import_peak_rss_MB")
		b.ReportMetric(float64(run.requests), "requests")
		perServer := float64(run.serverCPU.Microseconds()) / float64(n)
		perFake := float64(run.fakeCPU.Microseconds()) / float64(n)
		b.ReportMetric(perServer, "server_cpu_µs/recipient")
		b.ReportMetric(perFake, "fake_cpu_µs/recipient")
		b.Logf("personalized send through the API: %d recipients, every text its own, send %.2fs = %.0f recipients/s, %d requests, server peak RSS %.0f MB during the send (%.0f MB by the end of the import); CPU per recipient: server %.1f µs, fake %.1f µs",
			n, run.send.Seconds(), rate, run.requests, run.peakRSSMB, run.importMB, perServer, perFake)
	}
}
