package models

import (
	"context"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkImportCSVJob is BenchmarkImportCSV as the console runs it: the
// import writes its progress to its import_jobs row while a reader polls
// the row every second, as the import page does from any instance. Its
// import-s set beside BenchmarkImportCSV's (same run, same file) is what
// tracking the job costs; progress-steps is how many different row counts
// the poller saw.
func BenchmarkImportCSVJob(b *testing.B) {
	n := benchRows()
	path := writeBenchCSV(b, n)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := mustOpenStore(b)
		acct := mustCreateAccount(b, s)
		job, err := s.CreateImportJob(ctx, ImportJobInput{ProviderID: acct.ID, FileName: "devices.csv", Size: st.Size(), InstanceID: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		var res ImportResult
		steps := map[int64]bool{}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				if j, err := s.ImportJobByID(ctx, job.ID); err == nil && j.Running() {
					steps[j.Progress.Rows] = true
				}
			}
		})
		start := time.Now()
		heap, rss := memPeak(func() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			res, err = s.RunImportJob(ctx, job, f, nil)
			if err != nil {
				b.Fatal(err)
			}
		})
		took := time.Since(start)
		close(stop)
		wg.Wait()
		b.StopTimer()
		if res.Imported != int64(n) {
			b.Fatalf("imported %d of %d", res.Imported, n)
		}
		if j, err := s.ImportJobByID(ctx, job.ID); err != nil || j.Status != ImportDone || j.Progress.Rows != int64(n) {
			b.Fatalf("job row after the import: %+v %v", j, err)
		}
		b.StartTimer()
		b.ReportMetric(float64(n), "devices")
		b.ReportMetric(took.Seconds(), "import-s")
		b.ReportMetric(float64(n)/took.Seconds(), "rows/s")
		b.ReportMetric(heap, "peak-heap-MB")
		b.ReportMetric(rss, "peak-rss-MB")
		b.ReportMetric(float64(len(steps)), "progress-steps")
	}
}
