package campaigns

import "strconv"

// ABValues are the composer's A/B test fields as typed. The first variant
// is the message composed above it; each other variant has a whole message
// section of its own, which starts as a copy of the first.
type ABValues struct {
	On       bool
	Variants []ABVariantValues
	// TestFirst sends a sample first (Sample percent, WaitMinutes, judged
	// by Metric; Confirm leaves the pick to an operator).
	TestFirst   bool
	Sample      string
	WaitMinutes string
	Metric      string
	Confirm     bool
}

// ABVariantValues are one variant's fields: its name, its share and (for
// all but the first) its message section.
type ABVariantValues struct {
	Name, Share string
	MessageValues
}

// MaxABVariants is how many variants the composer offers.
const MaxABVariants = 5

// DefaultABValues are two even variants, off, with a 20 % sample judged by
// clicks after an hour; the second starts as a copy of first, the message
// composed above.
func DefaultABValues(first MessageValues) ABValues {
	return ABValues{Variants: []ABVariantValues{{Name: "A", Share: "50"}, {Name: "B", Share: "50", MessageValues: first}},
		Sample: "20", WaitMinutes: "60", Metric: "click"}
}

// ABField is the composer's name of a variant's field (ab_share_1).
func ABField(field string, i int) string { return "ab_" + field + "_" + strconv.Itoa(i) }

// ABSummaryView is an A/B campaign's variants on its page.
type ABSummaryView struct {
	Variants []ABSummaryVariant
	// Test describes the test-first settings ("" without); Phase where the
	// test is ("" before it starts).
	Test     string
	Phase    string
	StatsURL string
}

// ABSummaryVariant is one variant as its page lists it.
type ABSummaryVariant struct {
	Name, Share, Title, Body string
	Winner                   bool
	// Other are the further message fields in which it differs from the
	// first variant.
	Other []Detail
}
