package handlers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// BenchmarkPages builds the data set — 10,000 campaigns, as many
// registered devices as delivery rows, and 1,000,000 delivery rows on one
// campaign, with report snapshots — and prints
// the p50 / p95 server time of each statistics page over 100 requests, and
// the memory the CSV export of all rows takes. PUSHDECK_BENCH_ROWS sets the
// delivery rows (default 100,000 so a CI smoke run stays quick):
//
//	PUSHDECK_BENCH_ROWS=1000000 go test -run '^$' -bench Pages -benchtime 1x ./handlers
func BenchmarkPages(b *testing.B) {
	rows := 100_000
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	app := newTestApp(b)
	big := seedStats(b, app.store, 10_000, rows)
	key := app.apiKey(models.RoleViewer)
	br := app.browser()
	app.createUser("bench@example.com", models.RoleViewer)
	br.login("bench@example.com", "password123")
	pages := []struct{ name, path string }{
		{"dashboard", "/"},
		{"campaign list", "/campaigns"},
		{"campaign page", fmt.Sprintf("/campaigns/%d", big)},
		{"stats page", fmt.Sprintf("/campaigns/%d/stats", big)},
		{"stats page, failed only", fmt.Sprintf("/campaigns/%d/stats?status=failed", big)},
		{"stats page, 100th accepted page", fmt.Sprintf("/campaigns/%d/stats?status=accepted&after=r%07d", big, rows/2)},
		{"group page", "/groups/g7"},
		{"task groups page", "/groups"},
		{"audience page", "/audience?provider_id=1"},
	}
	for range b.N {
		for _, p := range pages {
			p50, p95 := timePage(b, p.path, func() int { r, _ := br.get(p.path); return r.StatusCode })
			b.Logf("%-34s p50 %6.1f ms   p95 %6.1f ms", p.name, p50, p95)
			b.ReportMetric(p95, "p95_ms_"+metricName(p.name))
		}
		for _, p := range []string{fmt.Sprintf("/api/v1/campaigns/%d/stats", big), fmt.Sprintf("/api/v1/campaigns/%d/deliveries?status=invalid", big)} {
			p50, p95 := timePage(b, p, func() int { r, _ := app.apiDo(http.MethodGet, p, key, "", nil); return r.StatusCode })
			b.Logf("%-34s p50 %6.1f ms   p95 %6.1f ms", p, p50, p95)
		}
		heap := peakHeapDuring(func() {
			start := time.Now()
			n := streamBody(b, app, fmt.Sprintf("/api/v1/campaigns/%d/deliveries.csv", big), key)
			took := time.Since(start)
			b.Logf("CSV export of %d rows: %d bytes in %v", rows, n, took.Round(time.Millisecond))
			b.ReportMetric(took.Seconds(), "csv_export_s")
		})
		b.Logf("CSV export peak heap in use: %d MB (constant in the row count)", heap>>20)
		b.ReportMetric(float64(heap>>20), "csv_peak_heap_MB")
	}
}

// streamBody reads a response without keeping it, so the measured heap
// is the server's.
func streamBody(b *testing.B, app *testApp, path, key string) int64 {
	req, err := http.NewRequest(http.MethodGet, app.ts.URL+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: status %d", path, resp.StatusCode)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// peakHeapDuring samples the heap in use every 5 ms while fn runs.
func peakHeapDuring(fn func()) uint64 {
	runtime.GC()
	done := make(chan struct{})
	var peak uint64
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	return peak
}

func metricName(s string) string {
	out := []byte{}
	for _, r := range []byte(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			out = append(out, r)
		} else {
			out = append(out, '_')
		}
	}
	return string(out)
}

// timePage measures 100 requests (after 3 warm-ups) and returns p50, p95 in ms.
func timePage(b *testing.B, path string, get func() int) (float64, float64) {
	for range 3 {
		if st := get(); st != http.StatusOK {
			b.Fatalf("%s: status %d", path, st)
		}
	}
	ds := make([]float64, 0, 100)
	for range 100 {
		t0 := time.Now()
		if st := get(); st != http.StatusOK {
			b.Fatalf("%s: status %d", path, st)
		}
		ds = append(ds, float64(time.Since(t0).Microseconds())/1000)
	}
	sort.Float64s(ds)
	return ds[49], ds[94]
}

// Raw SQL text literals are stored as TEXT, which the driver scans as a
// string; GORM writes json.RawMessage as a BLOB, so the seed casts to match.

// seedStats writes n campaigns (in 10 groups, a mix of states, each with a
// snapshot) and one big listed campaign with rows delivery rows (1 % failed,
// 1 % invalid) and 50 snapshots. It returns the big campaign's id.
func seedStats(b *testing.B, s *models.Store, n, rows int) int64 {
	ctx := context.Background()
	db := s.DB()
	now := time.Now().UTC()
	exec := func(q string, args ...any) {
		if err := db.WithContext(ctx).Exec(q, args...).Error; err != nil {
			b.Fatalf("%v: %s", err, q)
		}
	}
	exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO campaigns (name, provider_id, group_name, status, audience_kind, message, options, nonce, created_at, updated_at, started_at, finished_at,
			recipients, accepted, planned)
		SELECT 'Campaign ' || i, 1, 'g' || (i % 10), CASE i % 4 WHEN 0 THEN 'completed' WHEN 1 THEN 'draft' WHEN 2 THEN 'completed' ELSE 'cancelled' END,
			'all', CAST('{"type":"notification","title":"t","body":"b"}' AS BLOB), CAST('{}' AS BLOB), 'bench0', ?, ?, ?, ?, 0, 0, 1 FROM seq`, n, now, now, now, now)
	exec(`INSERT INTO report_snapshots (campaign_id, taken_at, channels)
		SELECT id, ?, CAST('[{"channel":"sandbox","target":10000,"sent":10000,"received":9200,"displayed":8000,"clicked":900}]' AS BLOB) FROM campaigns`, now)
	var big int64
	if err := db.Raw(`INSERT INTO campaigns (name, provider_id, group_name, status, audience_kind, message, options, nonce, created_at, updated_at, started_at, finished_at,
			recipients, accepted, invalid, failed, planned)
		VALUES ('Big', 1, 'g7', 'completed', 'cid', CAST('{"type":"notification","title":"t","body":"b"}' AS BLOB), CAST('{}' AS BLOB), 'bench1', ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
		now, now, now, now, rows, rows-rows/50, rows/100, rows/100).Scan(&big).Error; err != nil {
		b.Fatal(err)
	}
	exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO batches (campaign_id, seq, request_id, target, size, status, next_attempt_at, created_at, updated_at)
		SELECT ?, i, 'pdbench1' || ? || 'x' || i, CAST('{"Kind":"cid"}' AS BLOB), 500, 'done', ?, ?, ? FROM seq`, (rows+499)/500, big, big, now, now, now)
	exec(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ? - 1)
		INSERT INTO deliveries (campaign_id, recipient, batch_seq, status, code, message)
		SELECT ?, printf('r%07d', i), i / 500 + 1, CASE WHEN i % 100 = 7 THEN 'failed' WHEN i % 100 = 42 THEN 'invalid' ELSE 'accepted' END,
			CASE WHEN i % 100 = 7 THEN '503' WHEN i % 100 = 42 THEN 'unknown_cid' ELSE 'successed_online' END, '' FROM seq`, rows, big)
	exec(`INSERT INTO campaign_failures (campaign_id, status, code, message, n) VALUES (?, 'failed', '503', 'busy', ?), (?, 'invalid', 'unknown_cid', '', ?)`,
		big, rows/100, big, rows/100)
	for i := range 50 {
		exec(`INSERT INTO report_snapshots (campaign_id, taken_at, channels) VALUES (?, ?, CAST(? AS BLOB))`, big, now.Add(time.Duration(i)*time.Minute),
			fmt.Sprintf(`[{"channel":"huawei","target":%d,"sent":%d,"received":%d,"displayed":%d,"clicked":%d}]`, rows, rows, rows*i/60, rows*i/80, rows*i/900))
	}
	// The audience registry of the sandbox account: as many devices as
	// delivery rows, so the data set matches the (1M / 1M).
	exec(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ? - 1)
		INSERT INTO devices (provider_id, cid, platform, region, created_at, updated_at)
		SELECT 1, printf('r%07d', i), CASE i % 3 WHEN 0 THEN 'ios' ELSE 'android' END, 'Zhejiang', ?, ? FROM seq`, rows, now.Unix(), now.Unix())
	exec(`ANALYZE`)
	return big
}
