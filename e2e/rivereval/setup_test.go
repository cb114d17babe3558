package rivereval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// perBatch is the recipients of one batch: the engine's request size for
// listed audiences.
const perBatch = 500

// planBatches is how many batches a run drains.
func planBatches() int {
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_RIVEREVAL_BATCHES")); err == nil && v > 0 {
		return v
	}
	return 2000
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// plan creates a sending campaign whose listed audience is frozen into n
// batches of perBatch recipients, through the store's own calls (the
// planner's FreezeBatches), and returns its id.
func plan(b *testing.B, store *models.Store, n int) int64 {
	b.Helper()
	ctx := context.Background()
	acct, err := store.CreateProviderAccount(ctx, models.ProviderInput{Name: "eval", Kind: "sandbox", Credentials: json.RawMessage(`{}`)})
	if err != nil {
		b.Fatal(err)
	}
	c, _, err := store.CreateCampaign(ctx, models.NewCampaign{Name: "eval", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid"},
		Message: json.RawMessage(`{"type":"notification","title":"Hello","body":"World"}`)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := store.Transition(ctx, c.ID, models.StatusSending, "eval", ""); err != nil {
		b.Fatal(err)
	}
	const chunk = 100 // batches per freeze transaction, as the planner's pages
	for first := 0; first < n; first += chunk {
		var bs []models.NewBatch
		for i := first; i < min(first+chunk, n); i++ {
			rs := make([]string, perBatch)
			for j := range rs {
				rs[j] = fmt.Sprintf("token-%09d", i*perBatch+j)
			}
			bs = append(bs, models.NewBatch{Target: json.RawMessage(`{"kind":"cid"}`), Recipients: rs})
		}
		last := bs[len(bs)-1].Recipients[perBatch-1]
		if err := store.FreezeBatches(ctx, c.ID, bs, last, first+chunk >= n); err != nil {
			b.Fatal(err)
		}
	}
	return c.ID
}

// checkDone fails b unless the campaign completed with every recipient
// accepted once: one delivery row each and counters that agree.
func checkDone(b *testing.B, store *models.Store, id int64, n int) {
	b.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	c, err := store.CampaignByID(ctx, id)
	for err == nil && c.Status == models.StatusSending && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		c, err = store.CampaignByID(ctx, id)
	}
	if err != nil {
		b.Fatal(err)
	}
	want := int64(n * perBatch)
	if c.Status != models.StatusCompleted || c.Accepted != want || c.Pending != 0 {
		b.Fatalf("campaign %d: %s, accepted %d, pending %d; want completed with %d accepted", id, c.Status, c.Accepted, c.Pending, want)
	}
	var rows int64
	if err := store.DB().Raw(`SELECT count(*) FROM deliveries WHERE campaign_id = ?`, id).Scan(&rows).Error; err != nil {
		b.Fatal(err)
	}
	if rows != want {
		b.Fatalf("campaign %d: %d delivery rows, want %d", id, rows, want)
	}
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report prints a drain's figures: n batches in took, using cpu of this
// process (the PostgreSQL server's own CPU is not in it).
func report(b *testing.B, n int, took, cpu time.Duration) {
	b.ReportMetric(float64(n)/took.Seconds(), "batches/s")
	b.ReportMetric(float64(n*perBatch)/took.Seconds(), "recipients/s")
	b.ReportMetric(cpu.Seconds()*1e6/float64(n), "cpu_µs/batch")
	b.ReportMetric(took.Seconds(), "s")
}

// jsonList decodes a batch's recipients as FreezeBatches wrote them.
func jsonList(text string, out *[]string) error {
	if err := json.Unmarshal([]byte(text), out); err != nil {
		return fmt.Errorf("rivereval: decode list: %w", err)
	}
	return nil
}
