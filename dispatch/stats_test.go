package dispatch

import (
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// TestMergeFunnel: the funnel's totals are the engine's figures in the
// console's one vocabulary (invalid, failed and unsent apart) for a listed
// audience, the report's for a broadcast.
func TestMergeFunnel(t *testing.T) {
	listed := models.Campaign{Recipients: 1000, Accepted: 950, Invalid: 30, Failed: 20}
	report := []providers.ChannelStats{
		{Channel: "huawei", Target: 600, Sent: 600, Received: 560, Displayed: 500, Clicked: 40},
		{Channel: "xiaomi", Target: 350, Sent: 350, Received: 300, Displayed: 280, Clicked: 20},
	}
	tests := []struct {
		name      string
		c         models.Campaign
		report    []providers.ChannelStats
		channels  []models.ChannelFigures
		wantTotal models.ChannelFigures
	}{
		{"listed, no report: the engine's own line", listed, nil,
			[]models.ChannelFigures{{Channel: "wecom", Target: 1000, Sent: 950, Invalid: 30, Failed: 15, Unsent: 5}},
			models.ChannelFigures{Channel: "total", Target: 1000, Sent: 950, Invalid: 30, Failed: 15, Unsent: 5}},
		{"broadcast, no report: nothing known yet", models.Campaign{}, nil,
			[]models.ChannelFigures{{Channel: "wecom"}},
			models.ChannelFigures{Channel: "total"}},
		{"listed with report: engine target/sent/failed, provider funnel", listed, report,
			[]models.ChannelFigures{
				{Channel: "huawei", Target: 600, Sent: 600, Received: 560, Displayed: 500, Clicked: 40},
				{Channel: "xiaomi", Target: 350, Sent: 350, Received: 300, Displayed: 280, Clicked: 20}},
			models.ChannelFigures{Channel: "total", Target: 1000, Sent: 950, Received: 860, Displayed: 780, Clicked: 60, Invalid: 30, Failed: 15, Unsent: 5}},
		{"broadcast with report: the report's sums", models.Campaign{}, report,
			[]models.ChannelFigures{
				{Channel: "huawei", Target: 600, Sent: 600, Received: 560, Displayed: 500, Clicked: 40},
				{Channel: "xiaomi", Target: 350, Sent: 350, Received: 300, Displayed: 280, Clicked: 20}},
			models.ChannelFigures{Channel: "total", Target: 950, Sent: 950, Received: 860, Displayed: 780, Clicked: 60}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chs, total := MergeFunnel("wecom", tc.c, 5, tc.report)
			if len(chs) != len(tc.channels) {
				t.Fatalf("channels %+v, want %+v", chs, tc.channels)
			}
			for i := range chs {
				if chs[i] != tc.channels[i] {
					t.Errorf("channel %d = %+v, want %+v", i, chs[i], tc.channels[i])
				}
			}
			if total != tc.wantTotal {
				t.Errorf("total %+v, want %+v", total, tc.wantTotal)
			}
		})
	}
}
