package models

// UnsentCode is the failure code of the recipients a cancel left unsent:
// they count among the campaign's failed recipients in the stored counters
// (the contract's totals), and the console shows them apart as unsent.
const UnsentCode = "cancelled"

// Figures are a campaign's (or a period's) recipients in the console's one
// vocabulary, the same on the dashboard, the campaign page and the
// statistics funnel:
//
//   - Accepted: the provider took the message for the recipient (or, for a
//     broadcast, the provider's report says it sent it).
//   - Invalid: the provider answered that the recipient does not exist.
//   - Failed: sending was tried and did not succeed.
//   - Unsent: never sent, because the campaign was cancelled first.
//   - Pending: not yet settled.
type Figures struct {
	Recipients int64
	Pending    int64
	Accepted   int64
	Invalid    int64
	Failed     int64
	Unsent     int64
}

// FiguresOf is the one place the console's figures are computed. t are
// the stored counters, unsent the recipients a cancel left unsent (failures
// with UnsentCode), and report the provider's totals, used only when the
// campaign has no listed recipients (a broadcast): its target are the
// recipients and what it sent is accepted.
func FiguresOf(t Totals, unsent int64, report *ChannelFigures) Figures {
	f := Figures{Recipients: t.Recipients, Pending: t.Pending, Accepted: t.Accepted, Invalid: t.Invalid,
		Failed: max(t.Failed-unsent, 0), Unsent: min(unsent, t.Failed)}
	if t.Recipients == 0 && report != nil {
		f.Recipients, f.Accepted = report.Target, report.Sent
	}
	return f
}

// UnsentOf sums the failures a cancel left unsent.
func UnsentOf(fs []FailureCount) int64 {
	var n int64
	for _, f := range fs {
		if f.Status == DeliveryFailed && f.Code == UnsentCode {
			n += f.N
		}
	}
	return n
}

// Add sums two figures (a period's campaigns).
func (f Figures) Add(g Figures) Figures {
	return Figures{Recipients: f.Recipients + g.Recipients, Pending: f.Pending + g.Pending, Accepted: f.Accepted + g.Accepted,
		Invalid: f.Invalid + g.Invalid, Failed: f.Failed + g.Failed, Unsent: f.Unsent + g.Unsent}
}
