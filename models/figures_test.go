package models

import "testing"

func TestFiguresOf(t *testing.T) {
	tests := []struct {
		name   string
		t      Totals
		unsent int64
		report *ChannelFigures
		want   Figures
	}{
		{"listed: invalid and failed apart", Totals{Recipients: 10, Accepted: 5, Invalid: 3, Failed: 2}, 0, nil,
			Figures{Recipients: 10, Accepted: 5, Invalid: 3, Failed: 2}},
		{"cancelled: the unsent leave the failed", Totals{Recipients: 10, Accepted: 5, Failed: 5}, 4, nil,
			Figures{Recipients: 10, Accepted: 5, Failed: 1, Unsent: 4}},
		{"listed: a report does not replace the engine's figures", Totals{Recipients: 10, Accepted: 10}, 0, &ChannelFigures{Target: 99, Sent: 98},
			Figures{Recipients: 10, Accepted: 10}},
		{"broadcast: the report's target and sent", Totals{}, 0, &ChannelFigures{Target: 99, Sent: 98},
			Figures{Recipients: 99, Accepted: 98}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FiguresOf(tc.t, tc.unsent, tc.report); got != tc.want {
				t.Errorf("FiguresOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}
