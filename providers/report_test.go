package providers

import (
	"reflect"
	"testing"
)

func TestChannelStatsAdd(t *testing.T) {
	s := ChannelStats{Channel: "xiaomi", Target: 1, Sent: 2, Received: 3, Displayed: 4, Clicked: 5}
	s.Add(ChannelStats{Channel: "oppo", Target: 10, Sent: 20, Received: 30, Displayed: 40, Clicked: 50})
	if want := (ChannelStats{Channel: "xiaomi", Target: 11, Sent: 22, Received: 33, Displayed: 44, Clicked: 55}); s != want {
		t.Fatalf("Add = %+v, want %+v", s, want)
	}
}

// TestReportTotals: the provider's own total wins over the lines' sum (its
// target may count what no channel was given); without one, the lines are
// summed.
func TestReportTotals(t *testing.T) {
	lines := []ChannelStats{{Channel: "huawei", Target: 4, Sent: 4, Received: 3}, {Channel: "getui", Target: 2, Sent: 2, Received: 2, Clicked: 1}}
	if got, want := (Report{Channels: lines}).Totals(), (ChannelStats{Channel: TotalChannel, Target: 6, Sent: 6, Received: 5, Clicked: 1}); got != want {
		t.Errorf("summed total = %+v, want %+v", got, want)
	}
	given := ChannelStats{Target: 9, Sent: 6, Received: 5, Clicked: 1}
	want := given
	want.Channel = TotalChannel
	if got := (Report{Channels: lines, Total: &given}).Totals(); got != want {
		t.Errorf("given total = %+v, want %+v", got, want)
	}
}

// TestReportLinesRoundTrip: a stored report reads back with its total kept
// apart from the channel lines.
func TestReportLinesRoundTrip(t *testing.T) {
	total := ChannelStats{Channel: TotalChannel, Target: 9, Sent: 6}
	for _, r := range []Report{
		{Channels: []ChannelStats{{Channel: "huawei", Target: 4, Sent: 4}}, Total: &total},
		{Channels: []ChannelStats{{Channel: "huawei", Target: 4, Sent: 4}, {Channel: "oppo", Sent: 1}}},
		{Channels: []ChannelStats{}},
	} {
		lines := r.Lines()
		if lines == nil {
			t.Fatal("Lines returned nil")
		}
		if got := ReportOfLines(lines); !reflect.DeepEqual(got, r) {
			t.Errorf("round trip of %+v = %+v", r, got)
		}
	}
	if n := len((Report{}).Lines()); n != 0 {
		t.Errorf("empty report has %d lines", n)
	}
}
