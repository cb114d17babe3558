package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pushdeck/pushdeck/models"
)

// scrape reads /metrics through the HTTP server and parses it as
// Prometheus would.
func (a *testApp) scrape(t *testing.T, key string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := a.apiDo(http.MethodGet, "/metrics", key, "", map[string]string{"Accept": "text/plain"})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	return fams
}

// series finds the metric of a family whose labels include want.
func series(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		for k, v := range want {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == k && l.GetValue() == v)
			}
			if !found {
				continue next
			}
		}
		return m
	}
	return nil
}

func TestMetricsAfterCampaign(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	if resp, _ := app.apiDo(http.MethodGet, "/metrics", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a key: %d", resp.StatusCode)
	}
	_, body := app.apiDo(http.MethodPost, "/api/v1/providers", app.apiKey(models.RoleAdmin), `{"name":"sb","kind":"sandbox","credentials":{}}`, nil)
	var acct struct{ ID int64 }
	if err := json.Unmarshal([]byte(body), &acct); err != nil || acct.ID == 0 {
		t.Fatalf("create provider: %s", body)
	}
	draft := fmt.Sprintf(`{"name":"m","provider_id":%d,"audience":{"kind":"cid","values":["a","b","c","d","e"]},"message":{"type":"notification","title":"Hi","body":"x"}}`, acct.ID)
	resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, draft, nil)
	var cm struct{ ID int64 }
	if err := json.Unmarshal([]byte(body), &cm); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create campaign: %d %s", resp.StatusCode, body)
	}
	path := fmt.Sprintf("/api/v1/campaigns/%d", cm.ID)
	app.apiDo(http.MethodPost, path+"/send", key, "", nil)
	eventually(t, 10*time.Second, "the campaign completes", func() bool {
		_, body := app.apiDo(http.MethodGet, path, key, "", nil)
		return strings.Contains(body, `"status":"completed"`)
	})
	fams := app.scrape(t, app.apiKey(models.RoleViewer))
	counter := func(name string, labels map[string]string) float64 {
		m := series(fams, name, labels)
		if m == nil {
			t.Errorf("no series %s%v", name, labels)
			return -1
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
		return -1
	}
	tests := []struct {
		name, metric string
		labels       map[string]string
		ok           func(float64) bool
	}{
		{"provider requests ok", "pushdeck_provider_requests_total", map[string]string{"kind": "sandbox", "outcome": "ok"}, func(v float64) bool { return v >= 1 }},
		{"call latency observed", "pushdeck_provider_call_seconds", map[string]string{"kind": "sandbox"}, func(v float64) bool { return v >= 1 }},
		{"batches", "pushdeck_batches_total", nil, func(v float64) bool { return v >= 1 }},
		{"batch latency observed", "pushdeck_batch_seconds", nil, func(v float64) bool { return v >= 1 }},
		{"no retries", "pushdeck_batch_retries_total", nil, func(v float64) bool { return v == 0 }},
		{"every recipient counted", "pushdeck_recipients_total", map[string]string{"status": "accepted"}, func(v float64) bool { return v == 5 }},
		{"queue empty", "pushdeck_queue_depth", nil, func(v float64) bool { return v == 0 }},
		{"account rate", "pushdeck_account_rate", map[string]string{"account": fmt.Sprint(acct.ID), "kind": "sandbox", "mode": "adaptive"}, func(v float64) bool { return v > 0 }},
		{"go runtime", "go_goroutines", nil, func(v float64) bool { return v > 0 }},
		{"process", "process_resident_memory_bytes", nil, func(v float64) bool { return v > 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := counter(tt.metric, tt.labels); !tt.ok(v) {
				t.Errorf("%s%v = %v", tt.metric, tt.labels, v)
			}
		})
	}
	if m := series(fams, "pushdeck_provider_call_seconds", map[string]string{"kind": "sandbox"}); m != nil && m.Histogram.GetSampleSum() <= 0 {
		t.Errorf("call latency sum = %v", m.Histogram.GetSampleSum())
	}
}

// TestMetricsGaugeFunc is the hook other parts of the program (the webhook
// outbox) use: a gauge read at scrape time, one that fails to read left
// out without hiding the rest, and a name registered twice refused.
func TestMetricsGaugeFunc(t *testing.T) {
	app := newTestApp(t)
	m := app.engine.Metrics()
	if err := m.GaugeFunc("pushdeck_test_outbox_depth", "Test gauge.", func(context.Context) (float64, error) { return 7, nil }); err != nil {
		t.Fatal(err)
	}
	if err := m.GaugeFunc("pushdeck_test_outbox_depth", "Again.", func(context.Context) (float64, error) { return 0, nil }); err == nil {
		t.Error("a second gauge of the same name was accepted")
	}
	if err := m.GaugeFunc("pushdeck_test_broken", "Fails.", func(context.Context) (float64, error) { return 0, errors.New("db gone") }); err != nil {
		t.Fatal(err)
	}
	fams := app.scrape(t, app.apiKey(models.RoleViewer))
	if g := series(fams, "pushdeck_test_outbox_depth", nil); g == nil || g.Gauge.GetValue() != 7 {
		t.Errorf("outbox gauge = %v", g)
	}
	if fams["pushdeck_test_broken"] != nil || fams["pushdeck_queue_depth"] == nil {
		t.Errorf("broken gauge served %v, queue depth %v", fams["pushdeck_test_broken"] != nil, fams["pushdeck_queue_depth"] != nil)
	}
}
