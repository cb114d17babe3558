package dispatch

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// BenchmarkSendWithDeadWebhook compares a listed send with no webhook
// endpoint against the same send while an endpoint that never answers is
// subscribed to every event and has a backlog of deliveries queued (the
// worker keeps its slots busy against it for the whole send). Runs
// alternate between the two and the medians are compared. 20,000
// recipients; 100,000 with PUSHDECK_BENCH_FULL=1, where a slowdown over
// 5 % fails. Run:
//
//	PUSHDECK_BENCH_FULL=1 go test -run '^$' -bench SendWithDeadWebhook -benchtime 1x ./dispatch
func BenchmarkSendWithDeadWebhook(b *testing.B) {
	n, rounds := 20_000, 3
	full := os.Getenv("PUSHDECK_BENCH_FULL") == "1"
	if full {
		n, rounds = 100_000, 5
	}
	for range b.N {
		var without, with []float64
		for range rounds {
			without = append(without, benchSendHooked(b, n, false))
			with = append(with, benchSendHooked(b, n, true))
		}
		slices.Sort(without)
		slices.Sort(with)
		a, d := without[len(without)/2], with[len(with)/2]
		slow := (a - d) / a * 100
		b.ReportMetric(float64(n), "recipients")
		b.ReportMetric(a, "recipients/s_without")
		b.ReportMetric(d, "recipients/s_dead_endpoint")
		b.ReportMetric(slow, "slowdown_%")
		b.Logf("%d recipients: without %v, with a dead endpoint %v (recipients/s, sorted); median slowdown %.1f %%", n, without, with, slow)
		if full && slow > 5 {
			b.Errorf("a dead webhook endpoint slowed the send by %.1f %%, more than 5 %%", slow)
		}
	}
}

// benchSendHooked sends n listed recipients through the loopback MX fake
// with the webhook worker running, and returns recipients per second.
func benchSendHooked(b *testing.B, n int, dead bool) float64 {
	b.StopTimer()
	srv, pushed := leanMX(b, true)
	h := newHarness(b, Config{Workers: 4, Idle: 5 * time.Millisecond})
	ctx := context.Background()
	if dead {
		// The body is read first: the server notices the client giving up
		// (and ends the request's context) only once it has.
		hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}))
		defer hang.Close() // after the worker's stop below
		e, _, err := h.store.CreateWebhook(ctx, models.WebhookInput{URL: hang.URL, Events: models.WebhookEventTypes()})
		if err != nil {
			b.Fatal(err)
		}
		for range 200 {
			if _, err := h.store.EmitTestWebhook(ctx, e.ID); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Each run stops its own worker and engine before the next starts, so
	// runs never overlap.
	w := NewWebhooks(h.store, WebhookConfig{Idle: 50 * time.Millisecond, Timeout: 10 * time.Second}, nil)
	wctx, stopHooks := context.WithCancel(ctx)
	hooksDone := make(chan struct{})
	go func() { w.Run(wctx); close(hooksDone) }()
	defer func() { stopHooks(); <-hooksDone }()
	acct, err := h.store.CreateProviderAccount(ctx, models.ProviderInput{Name: "mx", Kind: "mxpush", BaseURL: srv.URL,
		Credentials: json.RawMessage(`{"app_id":"app","access_token":"tok"}`), RateLimit: models.MaxRateLimit})
	if err != nil {
		b.Fatal(err)
	}
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, draft.Options{})
	h.start()
	b.StartTimer()
	start := time.Now()
	h.send(c)
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
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	h.stop()
	return float64(n) / elapsed.Seconds()
}
