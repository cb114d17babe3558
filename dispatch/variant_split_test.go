package dispatch

import (
	"fmt"
	"math"
	"testing"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// TestSplitterShares: recipients land in variants by their shares, the
// same way every time the split is rebuilt, and a test's sample and rest
// are disjoint and together the whole audience.
func TestSplitterShares(t *testing.T) {
	winner := 1
	two := []draft.Variant{{Name: "A", Share: 30}, {Name: "B", Share: 70}}
	three := []draft.Variant{{Name: "A", Share: 20}, {Name: "B", Share: 30}, {Name: "C", Share: 50}}
	cases := []struct {
		name     string
		variants []draft.Variant
		test     *draft.ABTest
		phase    models.ABPhase
		// want is each variant's expected share of the audience (percent);
		// out the share no variant gets in this pass.
		want []float64
		out  float64
	}{
		{"two", two, nil, models.ABNone, []float64{30, 70}, 0},
		{"three", three, nil, models.ABNone, []float64{20, 30, 50}, 0},
		{"sample", two, &draft.ABTest{SamplePercent: 20}, models.ABSample, []float64{6, 14}, 80},
		{"rest", two, &draft.ABTest{SamplePercent: 20}, models.ABRest, []float64{0, 80}, 20},
	}
	const n = 40_000
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := models.Campaign{ID: 42, ABPhase: tc.phase, ABWinner: &winner}
			d := draft.Draft{Variants: tc.variants, Options: draft.Options{ABTest: tc.test}}
			s, again := newSplitter(c, d), newSplitter(c, d)
			counts := make([]int, len(tc.variants))
			out := 0
			for i := 0; i < n; i++ {
				cid := fmt.Sprintf("cid-%d", i)
				v, ok := s.place(cid)
				if v2, ok2 := again.place(cid); v2 != v || ok2 != ok {
					t.Fatalf("%s placed in %d/%v, then %d/%v", cid, v, ok, v2, ok2)
				}
				if !ok {
					out++
					continue
				}
				counts[v]++
			}
			for i, w := range tc.want {
				if got := 100 * float64(counts[i]) / n; math.Abs(got-w) > 1.5 {
					t.Errorf("variant %d got %.1f %%, want %.0f", i, got, w)
				}
			}
			if got := 100 * float64(out) / n; math.Abs(got-tc.out) > 1.5 {
				t.Errorf("%.1f %% out of the pass, want %.0f", got, tc.out)
			}
		})
	}
	t.Run("sample and rest are disjoint", func(t *testing.T) {
		d := draft.Draft{Variants: two, Options: draft.Options{ABTest: &draft.ABTest{SamplePercent: 35}}}
		sample := newSplitter(models.Campaign{ID: 7, ABPhase: models.ABSample}, d)
		rest := newSplitter(models.Campaign{ID: 7, ABPhase: models.ABRest, ABWinner: &winner}, d)
		for i := 0; i < n; i++ {
			cid := fmt.Sprintf("d%d", i)
			_, inSample := sample.place(cid)
			_, inRest := rest.place(cid)
			if inSample == inRest {
				t.Fatalf("%s in the sample %v and in the rest %v", cid, inSample, inRest)
			}
		}
	})
}
