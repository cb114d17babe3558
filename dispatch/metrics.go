package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Metrics are the engine's Prometheus metrics, in a registry of their own
// (one per Engine, never the library's global default registry) that also
// holds the Go runtime and process collectors. The HTTP layer serves
// Gatherer at /metrics; other parts of the program add their own series
// with Register or GaugeFunc.
type Metrics struct {
	reg *prometheus.Registry

	requests     *prometheus.CounterVec
	failures     *prometheus.CounterVec
	callSeconds  *prometheus.HistogramVec
	batches      prometheus.Counter
	batchSeconds prometheus.Histogram
	retries      prometheus.Counter
	recipients   *prometheus.CounterVec
}

// scrapeTimeout bounds a gauge that reads the database at scrape time.
const scrapeTimeout = 5 * time.Second

// metricsStore is what the metrics read at scrape time.
type metricsStore interface {
	// PendingBatches counts the batches waiting to be sent.
	PendingBatches(ctx context.Context) (int64, error)
}

func newMetrics(store metricsStore, cs *clients) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pushdeck_provider_requests_total",
			Help: "Provider send calls by provider kind and outcome (ok, or the failure class: retry, reauth, permanent, transport)."},
			[]string{"kind", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pushdeck_provider_failures_total",
			Help: "Failed provider calls by provider kind and failure class."}, []string{"kind", "class"}),
		callSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pushdeck_provider_call_seconds",
			Help:    "Latency of provider send calls.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}, []string{"kind"}),
		batches: prometheus.NewCounter(prometheus.CounterOpts{Name: "pushdeck_batches_total",
			Help: "Batches that reached a terminal outcome."}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "pushdeck_batch_seconds",
			Help:    "Time from a batch's first claim to its recorded terminal outcome, waits and retries included.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "pushdeck_batch_retries_total",
			Help: "Batch attempts scheduled again after a retryable failure."}),
		recipients: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pushdeck_recipients_total",
			Help: "Listed recipients by terminal status."}, []string{"status"}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.failures, m.callSeconds, m.batches, m.batchSeconds, m.retries, m.recipients,
		rateCollector{cs: cs, desc: prometheus.NewDesc("pushdeck_account_rate",
			"Requests per second the engine paces a provider account at: the operator's rate, or the one learned so far (mode adaptive).",
			[]string{"account", "kind", "mode"}, nil)})
	// The queue gauge's name is new and constant, so this cannot collide.
	_ = m.GaugeFunc("pushdeck_queue_depth", "Batches waiting to be sent.", func(ctx context.Context) (float64, error) {
		n, err := store.PendingBatches(ctx)
		return float64(n), err
	})
	return m
}

// Gatherer is what the /metrics endpoint serves.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Register adds a collector of another part of the program to the
// engine's registry; it fails when one of its series is already there.
func (m *Metrics) Register(c prometheus.Collector) error {
	if err := m.reg.Register(c); err != nil {
		return fmt.Errorf("dispatch: register metrics: %w", err)
	}
	return nil
}

// GaugeFunc registers a gauge read by fn at every scrape, with a context
// that ends after a few seconds (fn may query the database). A failed read
// leaves the series out of that scrape and is reported by the handler.
func (m *Metrics) GaugeFunc(name, help string, fn func(context.Context) (float64, error)) error {
	return m.Register(ctxGauge{desc: prometheus.NewDesc(name, help, nil, nil), read: fn})
}

// ctxGauge is a gauge read at scrape time by a function that takes a
// context (prometheus.GaugeFunc's takes none, so it could not be bounded).
type ctxGauge struct {
	desc *prometheus.Desc
	read func(context.Context) (float64, error)
}

func (g ctxGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g ctxGauge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	v, err := g.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(g.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v)
}

// rateCollector reports the rate of every account the engine has a client
// for, read at scrape time.
type rateCollector struct {
	cs   *clients
	desc *prometheus.Desc
}

func (r rateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- r.desc }

func (r rateCollector) Collect(ch chan<- prometheus.Metric) {
	r.cs.mu.Lock()
	defer r.cs.mu.Unlock()
	for id, c := range r.cs.m {
		rps, adaptive := c.rate.Rate()
		mode := "fixed"
		if adaptive {
			mode = "adaptive"
		}
		ch <- prometheus.MustNewConstMetric(r.desc, prometheus.GaugeValue, rps, strconv.FormatInt(id, 10), c.kind, mode)
	}
}

func (m *Metrics) observeCall(kind string, d time.Duration, err error) {
	m.callSeconds.WithLabelValues(kind).Observe(d.Seconds())
	if err == nil {
		m.requests.WithLabelValues(kind, "ok").Inc()
		return
	}
	class := "transport"
	var pe *providers.Error
	if errors.As(err, &pe) {
		class = pe.Class.String()
	}
	m.requests.WithLabelValues(kind, class).Inc()
	m.failures.WithLabelValues(kind, class).Inc()
}

func (m *Metrics) batchDone(b models.Batch, res models.BatchResult, now time.Time) {
	m.batches.Inc()
	if b.FirstAttemptAt != nil {
		m.batchSeconds.Observe(max(0, now.Sub(*b.FirstAttemptAt).Seconds()))
	}
	byStatus := map[string]int{}
	out := make(map[string]string, len(res.Outcomes))
	for _, o := range res.Outcomes {
		out[o.Recipient] = o.Status
	}
	for _, r := range b.Recipients {
		st, ok := out[r]
		switch {
		case ok:
		case res.Final != "":
			st = res.Final
		default:
			st = models.DeliveryAccepted
		}
		byStatus[st]++
	}
	for st, n := range byStatus {
		m.recipients.WithLabelValues(st).Add(float64(n))
	}
}

func (m *Metrics) retried() { m.retries.Inc() }

// Metrics returns the engine's metrics.
func (e *Engine) Metrics() *Metrics { return e.metrics }
