package dispatch

import (
	"encoding/binary"
	"hash/fnv"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// splitScale is the resolution of the split: a recipient's place is in
// [0, splitScale), so shares and samples are exact to a hundredth of a
// percent.
const splitScale = 10_000

// splitPlace is a recipient's place in [0, splitScale): FNV-1a of the
// campaign id and the recipient, so the same recipient lands in the same
// place on every plan of the campaign (a resumed plan, a restart, the rest
// after a test) and in unrelated places across campaigns.
func splitPlace(campaignID int64, recipient string) int {
	h := fnv.New64a()
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(campaignID))
	_, _ = h.Write(id[:])             // hash writes never fail
	_, _ = h.Write([]byte(recipient)) // hash writes never fail
	return int(h.Sum64() % splitScale)
}

// splitter decides which variant a recipient gets in the current plan,
// or that the recipient is not part of it.
type splitter struct {
	campaignID int64
	// bounds are the variants' cumulative shares on the split scale;
	// nil sends everyone variant 0.
	bounds []int
	// sample is the test's part of the scale (0: no test); phase says
	// whether the sample or the rest is planned, and winner the variant
	// the rest gets.
	sample int
	phase  models.ABPhase
	winner int
}

// newSplitter builds the split of a campaign's current plan.
func newSplitter(c models.Campaign, d draft.Draft) splitter {
	s := splitter{campaignID: c.ID, phase: c.ABPhase}
	if len(d.Variants) == 0 {
		return s
	}
	sum := 0
	for _, v := range d.Variants {
		sum += v.Share * splitScale / 100
		s.bounds = append(s.bounds, sum)
	}
	s.bounds[len(s.bounds)-1] = splitScale // shares sum to 100
	if t := d.Options.ABTest; t != nil {
		s.sample = t.SamplePercent * splitScale / 100
		if c.ABWinner != nil {
			s.winner = *c.ABWinner
		}
	}
	return s
}

// place returns the variant of a recipient, and ok=false when the
// recipient belongs to another pass (the rest while the sample is
// planned, or the sample once the rest is): sample and rest are disjoint
// parts of the scale, so no recipient is in both.
func (s splitter) place(recipient string) (variant int, ok bool) {
	if s.bounds == nil {
		return 0, true
	}
	u := splitPlace(s.campaignID, recipient)
	if s.sample > 0 {
		if s.phase == models.ABRest {
			return s.winner, u >= s.sample
		}
		if u >= s.sample {
			return 0, false
		}
		// The sample is split by the shares as the whole audience would be.
		u = u * splitScale / s.sample
	}
	for i, b := range s.bounds {
		if u < b {
			return i, true
		}
	}
	return len(s.bounds) - 1, true
}
