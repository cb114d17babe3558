package apns_test

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
)

// BenchmarkCampaign sends a listed campaign through the engine (real
// SQLite, every delivery row written) and the APNs client to the fake on
// loopback over TLS and HTTP/2, one request per recipient, and reports
// recipients/s and the process's peak RSS. The account is created with an
// explicit rate, as the API and the provider form allow, so the figure is
// the send path's and not the adaptive rate's slow start. The fake runs on
// the same cores and verifies every request. PUSHDECK_BENCH_RECIPIENTS
// sets the audience (default 20,000; 100,000 with PUSHDECK_BENCH_FULL=1):
//
//	PUSHDECK_BENCH_FULL=1 go test -run '^$' -bench Campaign -benchtime 1x ./providers/apns
func BenchmarkCampaign(b *testing.B) {
	n := 20_000
	if os.Getenv("PUSHDECK_BENCH_FULL") == "1" {
		n = 100_000
	}
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_RECIPIENTS")); err == nil && v > 0 {
		n = v
	}
	tokens := tokensFor(n)
	for range b.N {
		b.StopTimer()
		f := apnsfake.New(b)
		rig := newEngineRig(b, f, models.MaxRateLimit)
		c := rig.create(b, tokens)
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		rig.send(b, c)
		c = rig.wait(b, c.ID, 10*time.Minute)
		elapsed, cpu := time.Since(start), cpuTime()-cpu0
		b.StopTimer()
		runtime.ReadMemStats(&m1)
		if c.Status != models.StatusCompleted || c.Accepted != int64(n) || len(f.Delivered()) != n {
			b.Fatalf("campaign %s, accepted %d, delivered %d, want %d", c.Status, c.Accepted, len(f.Delivered()), n)
		}
		b.ReportMetric(float64(n), "recipients")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "recipients/s")
		b.ReportMetric(peakRSSMB(), "peak_rss_MB")
		// CPU time per recipient (engine, client and fake together) says
		// what the machine can do when other work shares its cores.
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu_us/recipient")
		// Allocations per recipient do not move with the machine's load
		// as time does: the garbage collector's share of the CPU follows
		// them.
		b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/1024/float64(n), "alloc_KB/recipient")
		b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(n), "allocs/recipient")
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMB is the process's peak resident set (VmHWM) in MiB.
func peakRSSMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}
