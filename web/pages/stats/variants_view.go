package stats

// VariantsView compares an A/B campaign's variants side by side.
type VariantsView struct {
	// Count is how many variants there are; Metric names what judges them.
	Count  int
	Metric string
	// Phase says where a test-first campaign is ("" without a test).
	Phase string
	Rows  []VariantRow
	// Note is the confidence note on the leader's difference.
	Note string
	// PickURL, while the test waits or awaits its winner, takes an
	// operator's pick.
	PickURL string
}

// VariantRow is one variant's funnel, formatted.
type VariantRow struct {
	Index      string
	Name       string
	Share      string
	Recipients string
	Sent       string
	Received   string
	Displayed  string
	Clicked    string
	Rate       string
	Winner     bool
	Leader     bool
}
