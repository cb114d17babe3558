package dispatch

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Metrics are the engine's counters, exposed in the Prometheus text format
// at /metrics. They belong to one Engine (no package-level registry).
type Metrics struct {
	batches    atomic.Int64
	retries    atomic.Int64
	recipients sync.Map // status → *atomic.Int64

	mu       sync.Mutex
	failures map[[2]string]int64 // kind, class → count
	calls    map[string]*histogram
}

func newMetrics() *Metrics {
	return &Metrics{failures: map[[2]string]int64{}, calls: map[string]*histogram{}}
}

// latencyBuckets are the upper bounds (seconds) of the call histogram.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type histogram struct {
	counts []int64
	sum    float64
	n      int64
}

func (m *Metrics) observeCall(kind string, d time.Duration, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.calls[kind]
	if !ok {
		h = &histogram{counts: make([]int64, len(latencyBuckets))}
		m.calls[kind] = h
	}
	s := d.Seconds()
	for i, ub := range latencyBuckets {
		if s <= ub {
			h.counts[i]++
		}
	}
	h.sum += s
	h.n++
	if err != nil {
		class := providers.AsError(err).Class.String()
		var pe *providers.Error
		if !errors.As(err, &pe) {
			class = "transport"
		}
		m.failures[[2]string{kind, class}]++
	}
}

func (m *Metrics) batchDone(b models.Batch, res models.BatchResult) {
	m.batches.Add(1)
	byStatus := map[string]int64{}
	out := map[string]string{}
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
		v, _ := m.recipients.LoadOrStore(st, new(atomic.Int64))
		v.(*atomic.Int64).Add(n)
	}
}

// Metrics returns the engine's metrics.
func (e *Engine) Metrics() *Metrics { return e.metrics }

// WriteText writes the metrics in the Prometheus text exposition format,
// with queueDepth (pending batches) read at scrape time.
func (m *Metrics) WriteText(w io.Writer, queueDepth int64) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	p("# HELP pushdeck_batches_total Batches that reached a terminal outcome.\n# TYPE pushdeck_batches_total counter\npushdeck_batches_total %d\n", m.batches.Load())
	p("# HELP pushdeck_batch_retries_total Batch attempts scheduled again after a retryable failure.\n# TYPE pushdeck_batch_retries_total counter\npushdeck_batch_retries_total %d\n", m.retries.Load())
	p("# HELP pushdeck_recipients_total Listed recipients by terminal status.\n# TYPE pushdeck_recipients_total counter\n")
	var sts []string
	m.recipients.Range(func(k, _ any) bool { sts = append(sts, k.(string)); return true })
	sort.Strings(sts)
	for _, st := range sts {
		v, _ := m.recipients.Load(st)
		p("pushdeck_recipients_total{status=%q} %d\n", st, v.(*atomic.Int64).Load())
	}
	p("# HELP pushdeck_queue_depth Batches waiting to be sent.\n# TYPE pushdeck_queue_depth gauge\npushdeck_queue_depth %d\n", queueDepth)

	m.mu.Lock()
	defer m.mu.Unlock()
	p("# HELP pushdeck_provider_failures_total Failed provider calls by provider kind and failure class.\n# TYPE pushdeck_provider_failures_total counter\n")
	keys := make([][2]string, 0, len(m.failures))
	for k := range m.failures {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		p("pushdeck_provider_failures_total{kind=%q,class=%q} %d\n", k[0], k[1], m.failures[k])
	}
	p("# HELP pushdeck_provider_call_seconds Latency of provider send calls.\n# TYPE pushdeck_provider_call_seconds histogram\n")
	kinds := make([]string, 0, len(m.calls))
	for k := range m.calls {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		h := m.calls[k]
		for i, ub := range latencyBuckets {
			p("pushdeck_provider_call_seconds_bucket{kind=%q,le=\"%g\"} %d\n", k, ub, h.counts[i])
		}
		p("pushdeck_provider_call_seconds_bucket{kind=%q,le=\"+Inf\"} %d\n", k, h.n)
		p("pushdeck_provider_call_seconds_sum{kind=%q} %g\npushdeck_provider_call_seconds_count{kind=%q} %d\n", k, h.sum, k, h.n)
	}
	return err
}
