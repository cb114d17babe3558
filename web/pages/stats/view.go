// Package stats holds the statistics pages: a campaign's funnel, chart,
// failures and delivery log (with WeCom's per-app daily figures for a
// WeCom campaign), and a task group's side-by-side comparison with the
// providers' own group reports.
package stats

// Row is one funnel line, formatted.
type Row struct {
	Channel       string
	Target        string
	Sent          string
	Received      string
	Displayed     string
	Clicked       string
	Invalid       string
	Failed        string
	Unsent        string
	ReceivedRate  string
	DisplayedRate string
	ClickedRate   string
}

// Failure is one "errors by reason" line.
type Failure struct {
	Status  string
	Code    string
	Message string
	N       string
}

// Delivery is one line of the delivery log.
type Delivery struct {
	CID       string
	Status    string
	Code      string
	Message   string
	RequestID string
	UpdatedAt string
}

// Chart is the data of a uPlot chart: x in Unix seconds, one series per line.
type Chart struct {
	X      []int64       `json:"x"`
	Series []ChartSeries `json:"series"`
}

// ChartSeries is one line of a chart.
type ChartSeries struct {
	Label string  `json:"label"`
	Dash  []int   `json:"dash,omitempty"`
	Data  []int64 `json:"data"`
}

// CampaignView is a campaign's statistics page.
type CampaignView struct {
	ID     int64
	Name   string
	Status string
	// NoneAccepted: see GroupCampaign.
	NoneAccepted bool
	Group        string
	UpdatedAt    string
	Reported     bool
	Stale        bool
	Rows         []Row
	Total        Row
	Failures     []Failure
	Chart        Chart
	Filter       string
	Filters      []string
	Deliveries   []Delivery
	NextURL      string
	CSVURL       string
	CampaignURL  string
	GroupURL     string
	// Variants compares an A/B campaign's variants (nil without).
	Variants *VariantsView
	// WeCom is set for a WeCom campaign: WeCom has no per-message figures,
	// only the app's successful person-times per day.
	WeCom *AppStats
}

// AppStats are a WeCom app's daily figures (message/get_statistics).
type AppStats struct {
	Account string
	Days    []AppDay
}

// AppDay is one day's figure of the app: Key is "today" or "yesterday" as
// asked when polled; Date the calendar day WeCom counted.
type AppDay struct {
	Key     string
	Polled  bool
	Date    string
	App     string
	Count   string
	TakenAt string
	Poll    PollState
}

// PollState says whether the newest poll of stored figures failed.
type PollState struct {
	Stale       bool
	LastError   string
	LastErrorAt string
}

// ProviderReport is a provider's own report of a task group on one
// account (GeTui task_group), beside pushdeck's per-campaign sums.
type ProviderReport struct {
	Account string
	Kind    string
	// Polled is false until a poll has succeeded (Rows and Total empty).
	Polled  bool
	TakenAt string
	Poll    PollState
	Rows    []Row
	Total   Row
}

// GroupCampaign is one campaign of a task group.
type GroupCampaign struct {
	ID     int64
	URL    string
	Name   string
	Status string
	// NoneAccepted marks a finished campaign the provider accepted nobody
	// of (its badge is not a success).
	NoneAccepted bool
	Total        Row
}

// GroupView is a task group's comparison page.
type GroupView struct {
	Name      string
	Campaigns []GroupCampaign
	Chart     Chart
	Reports   []ProviderReport
}
