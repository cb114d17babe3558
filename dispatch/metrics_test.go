package dispatch

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// TestMetricsCountRetries runs a campaign whose first two calls the
// provider refuses with a retryable answer: the metrics count them by
// outcome, the retries, the batches and every recipient, and another
// engine's registry sees none of it.
func TestMetricsCountRetries(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(1200)}, draft.Options{})
	fake.FailNext(2, http.StatusServiceUnavailable)
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.checkInvariants(c, 1200)
	m := h.engine.Metrics()
	// The campaign completes in the transaction that records its last
	// batch; the worker counts that batch just after, so wait for it.
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(m.recipients.WithLabelValues(models.DeliveryAccepted)) < 1200 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"refused calls", testutil.ToFloat64(m.requests.WithLabelValues("mxpush", "retry")), 2},
		{"failures by class", testutil.ToFloat64(m.failures.WithLabelValues("mxpush", "retry")), 2},
		{"good calls", testutil.ToFloat64(m.requests.WithLabelValues("mxpush", "ok")), 3},
		{"retries", testutil.ToFloat64(m.retries), 2},
		{"batches", testutil.ToFloat64(m.batches), 3},
		{"accepted recipients", testutil.ToFloat64(m.recipients.WithLabelValues(models.DeliveryAccepted)), 1200},
		{"batch latencies", float64(testutil.CollectAndCount(m.batchSeconds)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	t.Run("calls observed", func(t *testing.T) {
		if n := testutil.CollectAndCount(m.callSeconds, "pushdeck_provider_call_seconds"); n != 1 {
			t.Errorf("%d call histograms, want one for mxpush", n)
		}
	})
	t.Run("registries are per engine", func(t *testing.T) {
		other := newHarness(t, Config{})
		fams, err := other.engine.Metrics().Gatherer().Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fams {
			if f.GetName() == "pushdeck_provider_requests_total" && len(f.GetMetric()) > 0 {
				t.Errorf("another engine reports this one's calls: %v", f)
			}
		}
	})
}
