package dispatch

import (
	"math"
	"testing"
)

// TestCompareZTest: the leader and its two-proportion z-test against the
// runner-up, run only on samples large enough for it.
func TestCompareZTest(t *testing.T) {
	vr := func(trials, successes int64) VariantResult {
		return VariantResult{Trials: trials, Successes: successes, Rate: float64(successes) / float64(trials)}
	}
	cases := []struct {
		name     string
		vs       []VariantResult
		leader   int
		runnerUp int
		enough   bool
		z        float64
	}{
		{"clear difference", []VariantResult{vr(200, 30), vr(200, 60)}, 1, 0, true, 3.592},
		{"no difference", []VariantResult{vr(500, 50), vr(500, 50)}, 0, 1, true, 0},
		{"three variants", []VariantResult{vr(300, 30), vr(300, 90), vr(300, 60)}, 1, 2, true, 2.828},
		{"too few sent", []VariantResult{vr(20, 2), vr(20, 10)}, 1, 0, false, 0},
		{"too few successes", []VariantResult{vr(400, 3), vr(400, 4)}, 1, 0, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leader, cmp := compare(tc.vs)
			if leader != tc.leader || cmp.RunnerUp != tc.runnerUp || cmp.Enough != tc.enough || math.Abs(cmp.Z-tc.z) > 0.01 {
				t.Fatalf("leader %d runner-up %d enough %v z %.3f, want %d %d %v %.3f", leader, cmp.RunnerUp, cmp.Enough, cmp.Z, tc.leader, tc.runnerUp, tc.enough, tc.z)
			}
			if cmp.Enough && (cmp.P < 0 || cmp.P > 1) {
				t.Fatalf("p %f", cmp.P)
			}
		})
	}
}
