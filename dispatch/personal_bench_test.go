package dispatch

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// BenchmarkPersonalSend is the engine's part of a personalized send where
// every text differs (each device named its own), through the loopback MX
// push endpoint: one request per recipient. It is for profiling the engine
// (go test -cpuprofile); e2e's BenchmarkPersonalizedSendE2E measures the
// product through its API. PUSHDECK_BENCH_RECIPIENTS sets the audience
// (default 20,000).
func BenchmarkPersonalSend(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_RECIPIENTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		b.StopTimer()
		var pushed, wrong atomic.Int64
		fake := mxfake.New(b, mxfake.Lean(func(values []string, m *mxfake.Message) {
			for _, v := range values {
				pushed.Add(1)
				if m == nil || m.Title != "Hi n"+strings.TrimPrefix(v, "token-") {
					wrong.Add(1)
				}
			}
		}))
		h := newHarness(b, Config{Workers: 4, Idle: 5 * time.Millisecond})
		acct, err := h.store.CreateProviderAccount(context.Background(), models.ProviderInput{Name: "mx", Kind: "mxpush", BaseURL: fake.URL(),
			Credentials: fake.Credentials(), RateLimit: models.MaxRateLimit})
		if err != nil {
			b.Fatal(err)
		}
		in := make([]models.DeviceInput, 0, models.MaxDeviceBatch)
		for i := 0; i < n; i++ {
			attrs := models.Attributes{"name": fmt.Sprintf("n%08d", i)}
			in = append(in, models.DeviceInput{CID: fmt.Sprintf("token-%08d", i), Attributes: &attrs})
			if len(in) == models.MaxDeviceBatch || i == n-1 {
				if _, err := h.store.UpsertDevices(context.Background(), acct.ID, in); err != nil {
					b.Fatal(err)
				}
				in = in[:0]
			}
		}
		d := draft.Draft{Name: "p", ProviderID: acct.ID, Audience: models.Audience{Kind: "all"},
			Message: providers.Message{Type: providers.TypeNotification, Title: "Hi {{ name }}", Body: "b"}}
		c, _, err := h.engine.CreateCampaign(context.Background(), d, "test", models.Idempotency{})
		if err != nil {
			b.Fatal(err)
		}
		h.start()
		b.StartTimer()
		start := time.Now()
		h.send(c)
		h.waitStatus(c.ID, 10*time.Minute, models.StatusCompleted)
		elapsed := time.Since(start)
		b.StopTimer()
		if pushed.Load() != int64(n) || wrong.Load() != 0 {
			b.Fatalf("pushed %d (%d with another's text), want %d and none wrong", pushed.Load(), wrong.Load(), n)
		}
		h.stop()
		b.ReportMetric(float64(n)/elapsed.Seconds(), "recipients/s")
	}
}
