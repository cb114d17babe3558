package dispatch

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/pushdeck/pushdeck/providers"
)

// simulate drives an adaptive account rate against a provider that accepts
// capacity requests/s (0: unlimited) and answers after latency, on a
// simulated clock in 1 ms steps. It returns the rate at the end, the
// learned rate's mean and peak over the last half of the run, and the
// requests sent and refused in that half.
func simulate(r *accountRate, capacity float64, latency, run time.Duration) (final float64, sent, refused int) {
	final, _, _, sent, refused = simulateStats(r, capacity, latency, run)
	return final, sent, refused
}

func simulateStats(r *accountRate, capacity float64, latency, run time.Duration) (final, mean, peak float64, sent, refused int) {
	t0 := time.Unix(1_000_000, 0)
	var quota *rate.Limiter
	if capacity > 0 {
		quota = rate.NewLimiter(rate.Limit(capacity), max(1, int(capacity/10)))
	}
	type answer struct {
		sent, at time.Time
		err      error
	}
	var inflight []answer
	for step := time.Duration(0); step < run; step += time.Millisecond {
		now := t0.Add(step)
		for len(inflight) > 0 && !inflight[0].at.After(now) {
			a := inflight[0]
			inflight = inflight[1:]
			r.observe(a.sent, a.err, a.at)
		}
		if step >= run/2 {
			cur, _ := r.Rate()
			mean += cur / float64(run/2/time.Millisecond)
			peak = max(peak, cur)
		}
		for r.lim.AllowN(now, 1) {
			var err error
			if quota != nil && !quota.AllowN(now, 1) {
				err = &providers.Error{Class: providers.Retry, Code: "http_429", RateLimited: true}
			}
			if step >= run/2 {
				sent++
				if err != nil {
					refused++
				}
			}
			inflight = append(inflight, answer{sent: now, at: now.Add(latency), err: err})
		}
	}
	final, _ = r.Rate()
	return final, mean, peak, sent, refused
}

// TestAdaptiveRateSlowStart: from a provider's default of 10 requests/s,
// clean answers double the rate every interval: several hundred within
// half a second, as a million-recipient send needs.
func TestAdaptiveRateSlowStart(t *testing.T) {
	r := newAccountRate(0, 10, 100_000, time.Unix(1_000_000, 0), discardLog())
	got, _, _ := simulate(r, 0, 5*time.Millisecond, 500*time.Millisecond)
	if got < 300 {
		t.Errorf("rate after 0.5 s of clean answers: %.0f/s, want ≥ 300/s", got)
	}
}

// TestAdaptiveRateSettlesBelowLimit: against a provider that refuses what
// exceeds 200 requests/s, the learned rate ends below that limit and
// sends most of it, with few refusals once settled.
func TestAdaptiveRateSettlesBelowLimit(t *testing.T) {
	tests := []struct {
		name     string
		capacity float64
		latency  time.Duration
	}{
		{name: "200/s, fast answers", capacity: 200, latency: 2 * time.Millisecond},
		{name: "200/s, slow answers", capacity: 200, latency: 80 * time.Millisecond},
		{name: "30/s", capacity: 30, latency: 20 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newAccountRate(0, 10, 100_000, time.Unix(1_000_000, 0), discardLog())
			const run = 20 * time.Second
			_, mean, peak, sent, refused := simulateStats(r, tc.capacity, tc.latency, run)
			perSec := float64(sent) / (run / 2).Seconds()
			t.Logf("learned %.1f/s on average (peak %.1f/s), sent %.1f/s over the second half, %d of %d refused", mean, peak, perSec, refused, sent)
			if mean > tc.capacity || mean < tc.capacity/2 {
				t.Errorf("learned %.1f/s on average, want below the limit of %.0f/s (and above half of it)", mean, tc.capacity)
			}
			if peak > tc.capacity*1.3 {
				t.Errorf("learned rate peaked at %.1f/s, want at most 30%% above the limit of %.0f/s (the answers that say so come late)", peak, tc.capacity)
			}
			if perSec < tc.capacity/2 {
				t.Errorf("sent %.1f/s once settled, want at least half the limit", perSec)
			}
			if float64(refused) > 0.1*float64(sent) {
				t.Errorf("%d of %d requests refused once settled, want at most 10%%", refused, sent)
			}
		})
	}
}

// TestFixedRateDoesNotAdapt: an operator's rate is kept whatever the
// answers.
func TestFixedRateDoesNotAdapt(t *testing.T) {
	r := newAccountRate(50, 10, 100_000, time.Unix(1_000_000, 0), discardLog())
	got, _, _ := simulate(r, 20, time.Millisecond, 2*time.Second)
	if rps, adaptive := r.Rate(); got != 50 || rps != 50 || adaptive {
		t.Errorf("rate %.1f (adaptive %t), want the fixed 50", rps, adaptive)
	}
}

// discardLog is a logger that writes nothing.
func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
