package providers

import "context"

// Reporter is implemented by providers with a statistics API.
type Reporter interface {
	// Report fetches the figures of one task. Failures are *Error.
	Report(ctx context.Context, taskID string) (Report, error)
}

// ManyReporter is implemented by providers whose statistics API takes
// several tasks in one call: a campaign of many tasks (a personalized one
// can have one per recipient) is polled in calls of up to ReportLimit.
type ManyReporter interface {
	// ReportLimit is the most task ids one Reports call takes.
	ReportLimit() int
	// Reports fetches the figures of up to ReportLimit tasks, keyed by
	// task id; a task the provider does not know yet is left out.
	// Failures are *Error.
	Reports(ctx context.Context, taskIDs []string) (map[string]Report, error)
}

// GroupReporter is implemented by providers with task-group statistics.
type GroupReporter interface {
	// GroupReport fetches the figures of a task group. Failures are *Error.
	GroupReport(ctx context.Context, group string) (Report, error)
}

// TotalChannel names the line of a report that covers every channel.
const TotalChannel = "total"

// ChannelStats are one channel's figures in a provider report.
type ChannelStats struct {
	// Channel is getui, apns, fcm, huawei, xiaomi, oppo, vivo, flyme,
	// honor, mxpush, wecom, sandbox or total.
	Channel   string `json:"channel"`
	Target    int64  `json:"target"`
	Sent      int64  `json:"sent"`
	Received  int64  `json:"received"`
	Displayed int64  `json:"displayed"`
	Clicked   int64  `json:"clicked"`
}

// Add adds o's figures to s; s keeps its channel name.
func (s *ChannelStats) Add(o ChannelStats) {
	s.Target += o.Target
	s.Sent += o.Sent
	s.Received += o.Received
	s.Displayed += o.Displayed
	s.Clicked += o.Clicked
}

// Report is a provider's statistics for one task or task group.
type Report struct {
	// Channels are the per-channel lines, never a total line: summing them
	// counts every recipient once.
	Channels []ChannelStats
	// Total is the provider's own figure for all channels together when it
	// gives one, which may differ from the lines' sum (a provider can count
	// as targeted what no channel was given); nil when it gives none.
	Total *ChannelStats
}

// Totals is the provider's own total when it gives one, else the sum of
// the channel lines.
func (r Report) Totals() ChannelStats {
	if r.Total != nil {
		t := *r.Total
		t.Channel = TotalChannel
		return t
	}
	return SumChannels(r.Channels)
}

// SumChannels sums channel lines into a total line.
func SumChannels(lines []ChannelStats) ChannelStats {
	sum := ChannelStats{Channel: TotalChannel}
	for _, l := range lines {
		sum.Add(l)
	}
	return sum
}

// Lines flattens the report into one list, the provider's total (when
// given) as a line named TotalChannel after the channels; ReportOfLines
// reads it back. It is never nil.
func (r Report) Lines() []ChannelStats {
	out := make([]ChannelStats, 0, len(r.Channels)+1)
	out = append(out, r.Channels...)
	if r.Total != nil {
		t := *r.Total
		t.Channel = TotalChannel
		out = append(out, t)
	}
	return out
}

// ReportOfLines is the inverse of Lines.
func ReportOfLines(lines []ChannelStats) Report {
	r := Report{Channels: make([]ChannelStats, 0, len(lines))}
	for _, l := range lines {
		if l.Channel == TotalChannel {
			t := l
			r.Total = &t
			continue
		}
		r.Channels = append(r.Channels, l)
	}
	return r
}
