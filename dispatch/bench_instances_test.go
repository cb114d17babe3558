package dispatch

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pushdeck/pushdeck/models/dbtest"
)

// BenchmarkListedSendTwoInstances is BenchmarkListedSend with two engines
// sharing one PostgreSQL database, each through pools and a write lock of
// its own with its own instance id and leases, as two processes would
// run: one campaign of PUSHDECK_BENCH_RECIPIENTS (default 100,000)
// imported devices, started through the engine that does not lead (the
// leader plans it), sent by both. Both engines live in the benchmark's
// process, so peak_rss_MB is theirs together. SQLite has one writer and
// is skipped. PUSHDECK_BENCH_LATENCY delays each answer of the endpoint
// (both benchmarks take it), to compare one instance and two where the
// provider's answer time, not the shared CPU, bounds an instance. Run:
//
//	PUSHDECK_TEST_DB=postgres://… PUSHDECK_BENCH_RECIPIENTS=1000000 go test -run '^$' -bench ListedSendTwoInstances -benchtime 1x ./dispatch
func BenchmarkListedSendTwoInstances(b *testing.B) {
	if !dbtest.IsPostgres() {
		b.Skipf("two instances share a PostgreSQL database: run with %s=postgres://…", dbtest.EnvURL)
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_RECIPIENTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		b.StopTimer()
		srv, pushed := leanMXDelayed(b, true, benchLatency(b))
		// A heartbeat late under load must not drop an instance from the
		// count mid-run (each paces the account at its share).
		cfg := Config{Workers: 4, Idle: 5 * time.Millisecond, InstanceLease: 3 * time.Second}
		cfg.Owner = "bench-a"
		a := newHarness(b, cfg)
		cfg.Owner = "bench-b"
		tw := a.twin(cfg)
		c := benchAudience(b, a, srv.URL, n)
		a.start()
		tw.start()
		waitUntilTrue(b, 10*time.Second, "both instances count each other", func() bool {
			return a.engine.clients.instances() == 2 && tw.engine.clients.instances() == 2
		})
		waitUntilTrue(b, 10*time.Second, "exactly one instance leads", func() bool {
			return a.engine.IsLeader() != tw.engine.IsLeader()
		})
		starter := tw
		if tw.engine.IsLeader() {
			starter = a
		}
		rate := benchSend(b, a, starter, c, n, pushed)
		byA, byB := testutil.ToFloat64(a.engine.metrics.batches), testutil.ToFloat64(tw.engine.metrics.batches)
		if byA == 0 || byB == 0 {
			b.Errorf("batches sent by a: %v, by b: %v; want both sending", byA, byB)
		}
		b.ReportMetric(float64(n), "recipients")
		b.ReportMetric(rate, "recipients/s")
		b.ReportMetric(byA/(byA+byB), "share_a")
		b.ReportMetric(peakRSSMB(), "peak_rss_MB")
	}
}
