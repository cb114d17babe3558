package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// MetricAccepted judges a test by the share of recipients the provider
// accepted, where the provider reports nothing of its own.
const MetricAccepted = "accepted"

// VariantResult is one variant's figures in an A/B campaign.
type VariantResult struct {
	Index int
	Name  string
	Share int
	// Totals are the engine's own counts; Figures the provider's report
	// (Polled false before the first good one).
	Totals  models.VariantTotals
	Figures providers.ChannelStats
	Polled  bool
	// PolledAccepted is the engine's accepted count when Figures were
	// polled: what the provider's figures are out of.
	PolledAccepted int64
	// Trials and Successes are what the metric divides: recipients
	// accepted, and those who clicked or received (or were accepted, of
	// those sent, for MetricAccepted).
	Trials, Successes int64
	Rate              float64
}

// ABResults compares the variants of a campaign.
type ABResults struct {
	Metric   string
	Variants []VariantResult
	// Leader is the variant with the best rate (the lowest index of a
	// tie); Winner the one chosen, -1 before the choice.
	Leader, Winner int
	Phase          models.ABPhase
	DecideAt       *time.Time
	DecidedBy      string
	Test           *draft.ABTest
	// Compared is the leader against the runner-up: Enough is false while
	// either sample is too small for the z-test, and Z, P its result.
	Compared Comparison
}

// Comparison is a two-proportion z-test of the leader against the runner-up.
type Comparison struct {
	RunnerUp int
	Enough   bool
	Diff     float64 // leader's rate minus the runner-up's
	Z, P     float64
}

// ABResults gathers each variant's counts and latest provider figures and
// the rate the test is judged by.
func (e *Engine) ABResults(ctx context.Context, c models.Campaign) (ABResults, error) {
	d, err := draft.Of(c)
	if err != nil {
		return ABResults{}, err
	}
	res := ABResults{Winner: -1, Phase: c.ABPhase, DecideAt: c.ABDecideAt, DecidedBy: c.ABDecidedBy, Test: d.Options.ABTest}
	if c.ABWinner != nil {
		res.Winner = *c.ABWinner
	}
	want := draft.MetricClick
	if d.Options.ABTest != nil {
		want = d.Options.ABTest.Metric
	}
	if res.Metric, err = e.abMetric(ctx, c, want); err != nil {
		return res, err
	}
	totals, err := e.store.CampaignVariantTotals(ctx, c.ID)
	if err != nil {
		return res, err
	}
	snaps, err := e.store.LatestVariantSnapshots(ctx, c.ID)
	if err != nil {
		return res, err
	}
	for i, v := range d.Variants {
		r := VariantResult{Index: i, Name: v.Name, Share: v.Share, Totals: totals[i]}
		if sn, ok := snaps[i]; ok {
			var chs []providers.ChannelStats
			if err := json.Unmarshal(sn.Channels, &chs); err != nil {
				return res, fmt.Errorf("dispatch: decode variant %d snapshot of campaign %d: %w", i, c.ID, err)
			}
			r.Figures, r.Polled, r.PolledAccepted = providers.SumChannels(chs), true, sn.Accepted
		}
		r.Trials, r.Successes = trialsOf(r, res.Metric)
		if r.Trials > 0 {
			r.Rate = float64(r.Successes) / float64(r.Trials)
		}
		res.Variants = append(res.Variants, r)
	}
	res.Leader, res.Compared = compare(res.Variants)
	return res, nil
}

// trialsOf is what a metric divides: of the recipients sent, those the
// provider reports clicked or received. Sent is the larger of the
// provider's figure and the engine's accepted count when the figures were
// polled (a provider that reports receipts alone has no sent figure), so
// both sides count the same tasks.
func trialsOf(r VariantResult, metric string) (trials, successes int64) {
	switch metric {
	case MetricAccepted:
		return r.Totals.Recipients, r.Totals.Accepted
	case draft.MetricReceived:
		successes = r.Figures.Received
	default:
		successes = r.Figures.Clicked
	}
	trials = max(r.Figures.Sent, r.PolledAccepted)
	if !r.Polled {
		trials = r.Totals.Accepted
	}
	return trials, min(successes, trials)
}

// minTrials and minCount gate the z-test: each sample needs this many
// recipients, and this many successes and failures, for the normal
// approximation to hold.
const (
	minTrials = 30
	minCount  = 5
)

// compare returns the leader and its z-test against the runner-up.
func compare(vs []VariantResult) (leader int, cmp Comparison) {
	if len(vs) == 0 {
		return 0, cmp
	}
	leader, cmp.RunnerUp = 0, -1
	for i := 1; i < len(vs); i++ {
		if vs[i].Rate > vs[leader].Rate {
			leader = i
		}
	}
	for i := range vs {
		if i != leader && (cmp.RunnerUp < 0 || vs[i].Rate > vs[cmp.RunnerUp].Rate) {
			cmp.RunnerUp = i
		}
	}
	if cmp.RunnerUp < 0 {
		return leader, cmp
	}
	a, b := vs[leader], vs[cmp.RunnerUp]
	cmp.Diff = a.Rate - b.Rate
	if !enough(a) || !enough(b) {
		return leader, cmp
	}
	n1, n2 := float64(a.Trials), float64(b.Trials)
	pool := float64(a.Successes+b.Successes) / (n1 + n2)
	se := math.Sqrt(pool * (1 - pool) * (1/n1 + 1/n2))
	if se == 0 {
		return leader, cmp
	}
	cmp.Enough = true
	cmp.Z = cmp.Diff / se
	cmp.P = math.Erfc(math.Abs(cmp.Z) / math.Sqrt2)
	return leader, cmp
}

func enough(r VariantResult) bool {
	return r.Trials >= minTrials && r.Successes >= minCount && r.Trials-r.Successes >= minCount
}
