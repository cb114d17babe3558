package campaigns

import "strconv"

// ABValues are the composer's A/B test fields as typed. The first variant
// is the message composed above it; the others take its fields with their
// own title and body.
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

// ABVariantValues are one variant's fields.
type ABVariantValues struct {
	Name, Share, Title, Body string
}

// MaxABVariants is how many variants the composer offers.
const MaxABVariants = 5

// DefaultABValues are two even variants, off, with a 20 % sample judged by
// clicks after an hour.
func DefaultABValues() ABValues {
	return ABValues{Variants: []ABVariantValues{{Name: "A", Share: "50"}, {Name: "B", Share: "50"}},
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
}
