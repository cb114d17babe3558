package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// BenchmarkMigrateCopy copies a SQLite database of 1,000,000 devices (three
// tags and two attributes each, imported through the product's CSV import)
// into an empty PostgreSQL database with the real binary, and reports rows/s
// of the whole command (schema migration and every table included), the
// devices table's own rate, and the command's peak RSS:
//
//	PUSHDECK_BENCH_MIGRATE=1 PUSHDECK_TEST_DB=postgres://… go test -run '^$' -bench MigrateCopy -benchtime 1x .
//
// PUSHDECK_BENCH_DEVICES changes the fleet size.
func BenchmarkMigrateCopy(b *testing.B) {
	if os.Getenv("PUSHDECK_BENCH_MIGRATE") != "1" {
		b.Skip("set PUSHDECK_BENCH_MIGRATE=1 (and PUSHDECK_TEST_DB) to copy 1,000,000 devices into PostgreSQL")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_DEVICES")); err == nil && v > 0 {
		n = v
	}
	bin := buildBinary(b)
	src := filepath.Join(b.TempDir(), "pushdeck.db")
	importFleet(b, src, n)
	fi, err := os.Stat(src)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		target := emptyPostgres(b)
		b.StartTimer()
		var progress bytes.Buffer
		cmd := exec.Command(bin, "migrate", "--from", src, "--to", target)
		cmd.Stderr = &progress
		cmd.Stdout = &progress
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		hwm := watchHWM(cmd.Process.Pid)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("migrate: %v\n%s", err, progress.String())
		}
		took := time.Since(start)
		peak := hwm()
		b.StopTimer()
		b.Logf("%d devices, SQLite file %d MiB\n%s", n, fi.Size()>>20, progress.String())
		sum := regexp.MustCompile(`copied \d+ tables, (\d+) rows`).FindStringSubmatch(progress.String())
		dev := regexp.MustCompile(`migrate: devices: [\d,]+ / [\d,]+ rows, ([\d,]+) rows/s .* done`).FindStringSubmatch(progress.String())
		if sum == nil || dev == nil {
			b.Fatalf("no summary or devices line in:\n%s", progress.String())
		}
		rows, _ := strconv.ParseFloat(sum[1], 64)                                 // the pattern matched digits
		devRate, _ := strconv.ParseFloat(strings.ReplaceAll(dev[1], ",", ""), 64) // as above
		b.ReportMetric(rows/took.Seconds(), "rows/s")
		b.ReportMetric(devRate, "device-rows/s")
		b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
		b.StartTimer()
	}
}

// importFleet fills a new SQLite database with n devices through the
// product's CSV import on the sandbox account, streamed from a pipe.
func importFleet(b *testing.B, path string, n int) {
	b.Helper()
	ctx := b.Context()
	store, _, closeDB, err := openStore(ctx, Config{DB: path}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := closeDB(); err != nil {
			b.Error(err)
		}
	}()
	accts, err := store.ListProviderAccounts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := io.WriteString(pw, "cid,alias,platform,region,tags,timezone,plan,score\n")
		platforms := []string{"ios", "android", "other"}
		for i := 0; i < n && err == nil; i++ {
			_, err = fmt.Fprintf(pw, "cid-%08d,alias-%d,%s,r%d,t%d;t%d;g%d,Asia/Shanghai,p%d,%d\n",
				i, i, platforms[i%3], i%30, i%7, 7+i%11, i%100, i%3, i%1000)
		}
		pw.CloseWithError(err)
	}()
	res, err := store.ImportCSV(ctx, accts[0].ID, pr, models.ImportOptions{})
	if err != nil || res.Imported != int64(n) {
		b.Fatalf("import: %+v, %v", res, err)
	}
}

// watchHWM polls the process's VmHWM (its peak resident set, kept by the
// kernel per address space) until it exits, and returns a function that
// stops and answers the last peak seen, in KiB. The child's rusage will
// not do: Go starts children with vfork, and Linux carries the parent's
// peak (this test process, which imported the fleet) into the child's
// ru_maxrss across exec.
func watchHWM(pid int) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
				if m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b); m != nil {
					if kb, err := strconv.ParseInt(string(m[1]), 10, 64); err == nil && kb > peak.Load() {
						peak.Store(kb)
					}
				}
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}
