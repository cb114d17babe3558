package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// sendRun is what one listed send through the public surfaces measured.
type sendRun struct {
	n          int
	create     time.Duration // POST /api/v1/campaigns with the whole list
	send       time.Duration // POST …/send until GET says completed
	peakRSSMB  float64       // the server process's VmHWM at the end
	createRSS  float64       // its VmHWM once the campaign was created
	maxGET     int           // largest GET /api/v1/campaigns/{id} answer, bytes
	polls      int
	accepted   int64
	recipients int64
	pushed     int
	// The server, still running, and the campaign, for further checks.
	srv *server
	key string
	id  int64
}

// listedSend drives the real binary only through its CLI and JSON API, as
// an operator's script would: an admin key from `pushdeck apikey create`,
// an MX push account with default settings pointed at a loopback fake, a
// campaign listing n client ids (plus some repeats, in no particular
// order) created with one streamed POST, sent, and polled every 100 ms
// until it completes. Nothing is written to the database behind its back.
func listedSend(tb testing.TB, n int) sendRun {
	tb.Helper()
	fake := mxfake.New(tb)
	srv := newServer(tb)
	key := srv.cli("apikey", "create", "--name", "bench", "--role", "admin")
	if !strings.HasPrefix(key, "pdk_") {
		tb.Fatalf("apikey create printed %q", key)
	}
	srv.start()

	var acct struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{"name": "mx", "kind": "mxpush", "base_url": fake.URL(),
		"credentials": map[string]any{"app_id": fake.AppID(), "access_token": fake.Token()}}
	if code := srv.api(http.MethodPost, "/api/v1/providers", key, body, &acct); code != http.StatusCreated {
		tb.Fatalf("create provider: %d", code)
	}

	run := sendRun{n: n}
	start := time.Now()
	id := createListed(tb, srv, key, acct.ID, n)
	run.create = time.Since(start)
	run.createRSS = vmHWM(tb, srv.cmd.Process.Pid)

	start = time.Now()
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", id), key, nil, nil); code != http.StatusOK {
		tb.Fatalf("send: %d\n%s", code, srv.logTail())
	}
	deadline := start.Add(30 * time.Minute)
	for {
		time.Sleep(100 * time.Millisecond)
		raw := getRaw(tb, srv, key, fmt.Sprintf("/api/v1/campaigns/%d", id))
		run.polls++
		run.maxGET = max(run.maxGET, len(raw))
		var c struct {
			Status string `json:"status"`
			Reason string `json:"status_reason"`
			Totals struct {
				Recipients int64 `json:"recipients"`
				Accepted   int64 `json:"accepted"`
			} `json:"totals"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			tb.Fatalf("campaign: %v: %.300s", err, raw)
		}
		if c.Status == "completed" {
			run.send = time.Since(start)
			run.accepted, run.recipients = c.Totals.Accepted, c.Totals.Recipients
			break
		}
		if c.Status == "failed" || c.Status == "cancelled" || c.Status == "paused" {
			tb.Fatalf("campaign %s (%s)\n%s", c.Status, c.Reason, srv.logTail())
		}
		if time.Now().After(deadline) {
			tb.Fatalf("campaign still %s after 30 min: %+v", c.Status, c.Totals)
		}
	}
	run.peakRSSMB = vmHWM(tb, srv.cmd.Process.Pid)
	run.srv, run.key, run.id = srv, key, id
	for _, t := range fake.Tasks() {
		run.pushed += len(t.Values)
	}
	return run
}

// benchCID is the i-th client id of the benchmark's list: 32 hex digits
// whose order has nothing to do with i, like device tokens.
func benchCID(i int) string {
	x := uint64(i)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	return fmt.Sprintf("%016x%016x", x, uint64(i))
}

// createListed POSTs the campaign, writing the body as it goes (a million
// ids make ≈36 MB), and returns its id. Every 100th id is listed twice.
func createListed(tb testing.TB, srv *server, key string, provider int64, n int) int64 {
	tb.Helper()
	pr, pw := io.Pipe()
	go func() {
		w := func(s string) bool { _, err := io.WriteString(pw, s); return err == nil }
		ok := w(fmt.Sprintf(`{"name":"listed %d","provider_id":%d,"message":{"type":"notification","title":"Hi","body":"Listed send"},"audience":{"kind":"cid","values":[`, n, provider))
		for i := 0; ok && i < n; i++ {
			sep := ","
			if i == 0 {
				sep = ""
			}
			ok = w(sep + `"` + benchCID(i) + `"`)
			if ok && i%100 == 99 {
				ok = w(`,"` + benchCID(i-50) + `"`)
			}
		}
		if ok {
			w(`]}}`)
		}
		_ = pw.Close() // the reader sees the end of the body
	}()
	code, raw := srv.apiRaw(5*time.Minute, http.MethodPost, "/api/v1/campaigns", key, pr)
	if code != http.StatusCreated {
		tb.Fatalf("create campaign: %d %.500s", code, raw)
	}
	var c struct {
		ID       int64 `json:"id"`
		Audience struct {
			Kind   string   `json:"kind"`
			Count  int      `json:"count"`
			Values []string `json:"values"`
		} `json:"audience"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		tb.Fatal(err)
	}
	if c.Audience.Count != n || c.Audience.Kind != "cid" {
		tb.Fatalf("created audience %s × %d, want cid × %d", c.Audience.Kind, c.Audience.Count, n)
	}
	return c.ID
}

// getRaw GETs an API path and returns the body of a 200.
func getRaw(tb testing.TB, srv *server, key, path string) []byte {
	tb.Helper()
	code, raw := srv.apiRaw(10*time.Second, http.MethodGet, path, key, nil)
	if code != http.StatusOK {
		tb.Fatalf("GET %s: %d %.300s", path, code, raw)
	}
	return raw
}

// vmHWM reads a process's peak resident set size in MB.
func vmHWM(tb testing.TB, pid int) float64 {
	tb.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb / 1024
		}
	}
	tb.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// TestListedSendThroughAPI is the small run of the benchmark below, in the
// normal suite: a list longer than a campaign answer carries inline goes in
// through the streamed create, out through the paged audience endpoint, and
// every recipient is accepted exactly once while the status answers stay
// small.
func TestListedSendThroughAPI(t *testing.T) {
	const n = 3000
	run := listedSend(t, n)
	if run.accepted != n || run.recipients != n || run.pushed != n {
		t.Errorf("accepted %d, recipients %d, pushed %d; want %d each", run.accepted, run.recipients, run.pushed, n)
	}
	if run.maxGET >= 16<<10 {
		t.Errorf("largest GET answer %d bytes, want < 16 KB", run.maxGET)
	}
	// The answer is a summary; the list itself is paged, in key order.
	var c struct {
		Audience map[string]any `json:"audience"`
	}
	run.srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", run.id), run.key, nil, &c)
	if _, ok := c.Audience["values"]; ok || c.Audience["count"] != float64(n) {
		t.Errorf("audience answered as %v, want kind and count %d without values", c.Audience, n)
	}
	var got []string
	after := ""
	for pages := 0; pages < n; pages++ {
		var page struct {
			Count int      `json:"count"`
			Items []string `json:"items"`
			Next  *string  `json:"next_after"`
		}
		path := fmt.Sprintf("/api/v1/campaigns/%d/audience?limit=500&after=%s", run.id, url.QueryEscape(after))
		if code := run.srv.api(http.MethodGet, path, run.key, nil, &page); code != http.StatusOK || page.Count != n {
			t.Fatalf("audience page: %d, count %d", code, page.Count)
		}
		got = append(got, page.Items...)
		if page.Next == nil {
			break
		}
		after = *page.Next
	}
	want := make([]string, n)
	for i := range want {
		want[i] = benchCID(i)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("paged audience: %d values, want the %d listed, in key order", len(got), n)
	}
	var bad struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if code := run.srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/audience?limit=501", run.id), run.key, nil, &bad); code != http.StatusUnprocessableEntity || bad.Error.Fields["limit"] == "" {
		t.Errorf("limit=501: %d %v, want 422 naming limit", code, bad.Error.Fields)
	}
	t.Logf("%d recipients: create %v, send %v, largest GET %d B, peak RSS %.0f MB", n, run.create, run.send, run.maxGET, run.peakRSSMB)
}

// BenchmarkListedSendE2E is the listed send of a million client ids through
// the real binary's public surfaces (see listedSend) with default account
// settings. It reports recipients/s from send to completed, the same with
// the create included, the server's peak RSS over its whole life, and the
// largest status answer. Gated because it takes minutes:
//
//	PUSHDECK_BENCH_E2E=1 go test -run '^$' -bench ListedSendE2E -benchtime 1x ./e2e
//
// PUSHDECK_BENCH_RECIPIENTS sets the list's length (default 1,000,000).
func BenchmarkListedSendE2E(b *testing.B) {
	if os.Getenv("PUSHDECK_BENCH_E2E") != "1" {
		b.Skip("set PUSHDECK_BENCH_E2E=1 to run the million-recipient send through the binary")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_RECIPIENTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		run := listedSend(b, n)
		if run.accepted != int64(n) || run.pushed != n {
			b.Fatalf("accepted %d, pushed %d, want %d", run.accepted, run.pushed, n)
		}
		rate := float64(n) / run.send.Seconds()
		b.ReportMetric(rate, "recipients/s")
		b.ReportMetric(float64(n)/(run.create+run.send).Seconds(), "with_create_recipients/s")
		b.ReportMetric(run.create.Seconds(), "create_s")
		b.ReportMetric(run.peakRSSMB, "server_peak_rss_MB")
		b.ReportMetric(run.createRSS, "after_create_peak_rss_MB")
		b.ReportMetric(float64(run.maxGET), "max_GET_bytes")
		b.Logf("listed send through the API: %d recipients, create %.2fs, send %.2fs = %.0f recipients/s (%.0f/s with the create), server peak RSS %.0f MB (%.0f MB by the end of the create), largest GET %d B over %d polls",
			n, run.create.Seconds(), run.send.Seconds(), rate, float64(n)/(run.create+run.send).Seconds(), run.peakRSSMB, run.createRSS, run.maxGET, run.polls)
	}
}
