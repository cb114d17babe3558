package dispatch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// leanMX is a loopback MX push /push/notify endpoint that checks the
// headers and decodes each body like the real service, but keeps nothing,
// so the benchmark measures pushdeck and not the fake.
func leanMX(b *testing.B, keepAlive bool) (*httptest.Server, *atomic.Int64) {
	return leanMXDelayed(b, keepAlive, 0)
}

// benchLatency is PUSHDECK_BENCH_LATENCY (a Go duration, "20ms"): how long
// the engine benchmarks' endpoint takes to answer each push. On loopback an
// answer takes microseconds, so the shared CPU bounds a send; a real
// provider answers in tens of milliseconds, and then the batches one
// instance keeps in flight bound it — the case a second instance helps.
func benchLatency(b *testing.B) time.Duration {
	v := os.Getenv("PUSHDECK_BENCH_LATENCY")
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		b.Fatalf("PUSHDECK_BENCH_LATENCY=%q: want a duration such as 20ms", v)
	}
	return d
}

// leanMXDelayed is leanMX answering each push after delay.
func leanMXDelayed(b *testing.B, keepAlive bool, delay time.Duration) (*httptest.Server, *atomic.Int64) {
	var pushed atomic.Int64
	var task atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/push/notify" || r.Header.Get("access-token") != "tok" || r.Header.Get("app_id") != "app" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var body struct {
			Audience struct {
				PushToken []string `json:"push_token"`
			} `json:"audience"`
			Setting struct {
				RequestID string `json:"request_id"`
			} `json:"setting"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Setting.RequestID == "" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		pushed.Add(int64(len(body.Audience.PushToken)))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"code":200,"data":{"task_id":%d},"message":null}`, task.Add(1))
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.SetKeepAlivesEnabled(keepAlive)
	srv.Start()
	b.Cleanup(srv.Close)
	return srv, &pushed
}

func peakRSSMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkListedSend sends a listed audience through a loopback MX push
// fake at 500 recipients a request with every delivery row persisted, and
// times the naive way (one POST per recipient, keep-alive off, as a
// simple script calling GeTui does)
// on a sample. PUSHDECK_BENCH_RECIPIENTS sets the audience (default
// 100,000; the goal is stated for 1,000,000). Run:
//
//	PUSHDECK_BENCH_RECIPIENTS=1000000 go test -run '^$' -bench ListedSend -benchtime 1x ./dispatch
func BenchmarkListedSend(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_RECIPIENTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		rate := benchEngine(b, n)
		naive := benchNaive(b, 2000)
		b.ReportMetric(float64(n), "recipients")
		b.ReportMetric(rate, "recipients/s")
		b.ReportMetric(naive, "naive_recipients/s")
		b.ReportMetric(rate/naive, "speedup")
		b.ReportMetric(peakRSSMB(), "peak_rss_MB")
	}
}

func benchEngine(b *testing.B, n int) float64 {
	b.StopTimer()
	srv, pushed := leanMXDelayed(b, true, benchLatency(b))
	h := newHarness(b, Config{Workers: 4, Idle: 5 * time.Millisecond})
	c := benchAudience(b, h, srv.URL, n)
	h.start()
	return benchSend(b, h, h, c, n, pushed)
}

// benchAudience creates the benchmark's account and a campaign to n
// imported devices on h's store.
func benchAudience(b *testing.B, h *harness, url string, n int) models.Campaign {
	// The operator's contract allows far more than MX push's cautious
	// default: the account is created with an explicit rate, as the API and
	// the provider form allow, so the figure is the engine's without the
	// adaptive rate's slow start (e2e's BenchmarkListedSendE2E measures the
	// product with default settings).
	acct, err := h.store.CreateProviderAccount(context.Background(), models.ProviderInput{Name: "mx", Kind: "mxpush", BaseURL: url,
		Credentials: json.RawMessage(`{"app_id":"app","access_token":"tok"}`), RateLimit: models.MaxRateLimit})
	if err != nil {
		b.Fatal(err)
	}
	// The audience is a segment over n registered devices, imported through
	// the store's CSV import (nothing behind the product's back) and
	// resolved from the device table in cid order (MX push has no native
	// segments).
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriter(pw)
		_, err := bw.WriteString("cid,platform\n")
		for i := 0; err == nil && i < n; i++ {
			platform := "android"
			if i%3 == 0 {
				platform = "ios"
			}
			_, err = fmt.Fprintf(bw, "token-%08d,%s\n", i, platform)
		}
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	res, err := h.store.ImportCSV(context.Background(), acct.ID, pr, models.ImportOptions{})
	if err != nil || res.Imported != int64(n) {
		b.Fatalf("import %d devices: %+v %v", n, res, err)
	}
	tree := json.RawMessage(`{"op":"and","items":[{"field":"platform","op":"in","values":["android","ios"]}]}`)
	return h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "conditions", Tree: tree}, draft.Options{})
}

// benchSend starts campaign c through starter's engine, h's database, and
// times it until every one of its n recipients is accepted; the engines
// are running and stopped after.
func benchSend(b *testing.B, h, starter *harness, c models.Campaign, n int, pushed *atomic.Int64) float64 {
	// The import's own peak is not the send's: reset the peak RSS
	// (VmHWM) before the timed part.
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // best effort: peakRSSMB then includes the import
	runtime.GC()
	b.StartTimer()
	start := time.Now()
	starter.send(c)
	for {
		var cur models.Campaign
		if err := h.rdb.First(&cur, c.ID).Error; err != nil {
			b.Fatal(err)
		}
		if cur.Status == models.StatusCompleted {
			if cur.Accepted != int64(n) || pushed.Load() != int64(n) {
				b.Fatalf("accepted %d, pushed %d, want %d", cur.Accepted, pushed.Load(), n)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	h.stop()
	starter.stop()
	return float64(n) / elapsed.Seconds()
}

func benchNaive(b *testing.B, n int) float64 {
	srv, _ := leanMX(b, false)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	for i := range n {
		body, _ := json.Marshal(map[string]any{"audience": map[string]any{"push_token": []string{fmt.Sprintf("t%07d", i)}},
			"setting": map[string]any{"request_id": fmt.Sprintf("naive%010d", i)}, "message": map[string]any{"type": "text", "title": "t", "body": "b"}})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/push/notify", bytes.NewReader(body))
		req.Header.Set("access-token", "tok")
		req.Header.Set("app_id", "app")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body) // drain so the connection closes cleanly
		_ = resp.Body.Close()
	}
	return float64(n) / time.Since(start).Seconds()
}
