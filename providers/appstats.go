package providers

import "context"

// AppStat is one app's figure in a provider's per-app daily statistics
// (WeCom message/get_statistics): how many person-times the app's messages
// reached successfully that day, all messages together. There is no
// per-message figure behind it.
type AppStat struct {
	AgentID int64
	AppName string
	// Date is the day counted (yyyy-mm-dd) in the provider's time zone.
	Date  string
	Count int64
}

// AppStatsReporter is implemented by providers whose only statistics are
// per app and per day (WeCom).
type AppStatsReporter interface {
	// Statistics fetches the figure of the client's own app for day 0
	// (today) or 1 (yesterday), in the provider's time zone. Failures are
	// *Error.
	Statistics(ctx context.Context, day int) (AppStat, error)
}
