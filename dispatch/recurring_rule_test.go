package dispatch

import (
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

func TestRepeatRule(t *testing.T) {
	now := time.Date(2026, time.November, 2, 12, 0, 0, 0, time.UTC) // a Monday
	until := now.Add(-time.Hour)
	cases := []struct {
		name  string
		rule  RepeatRule
		field string
		next  string
	}{
		{"daily", RepeatRule{Every: "daily", At: "09:00", Timezone: "America/New_York"}, "", "2026-11-02T14:00:00Z"},
		{"weekly", RepeatRule{Every: "weekly", At: "08:30", Days: []string{"wed", "FRI"}}, "", "2026-11-04T08:30:00Z"},
		{"monthly", RepeatRule{Every: "monthly", At: "07:00", Day: 31, Timezone: "Asia/Shanghai"}, "", "2026-12-30T23:00:00Z"},
		{"cron", RepeatRule{Every: "cron", Cron: "0 9 * * 1-5", Timezone: "Europe/Berlin"}, "", "2026-11-03T08:00:00Z"},
		{"no kind", RepeatRule{At: "09:00"}, "repeat.every", ""},
		{"bad kind", RepeatRule{Every: "hourly"}, "repeat.every", ""},
		{"bad time", RepeatRule{Every: "daily", At: "25:00"}, "repeat.at", ""},
		{"bad day name", RepeatRule{Every: "weekly", At: "09:00", Days: []string{"funday"}}, "repeat.days", ""},
		{"no days", RepeatRule{Every: "weekly", At: "09:00"}, "repeat.days", ""},
		{"day 32", RepeatRule{Every: "monthly", At: "09:00", Day: 32}, "repeat.day", ""},
		{"bad cron", RepeatRule{Every: "cron", Cron: "61 * * * *"}, "repeat.cron", ""},
		{"cron with its own zone", RepeatRule{Every: "cron", Cron: "CRON_TZ=Asia/Tokyo 0 9 * * *"}, "repeat.cron", ""},
		{"too often", RepeatRule{Every: "cron", Cron: "*/2 * * * *"}, "repeat.cron", ""},
		{"never", RepeatRule{Every: "cron", Cron: "0 0 30 2 *"}, "repeat.every", ""},
		{"bad zone", RepeatRule{Every: "daily", At: "09:00", Timezone: "Mars/Olympus"}, "repeat.timezone", ""},
		{"end in the past", RepeatRule{Every: "daily", At: "09:00", Until: &until}, "repeat.until", ""},
		{"count", RepeatRule{Every: "daily", At: "09:00", Count: -1}, "repeat.count", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := &models.ValidationError{}
			r := tc.rule
			r.Validate(v, now)
			if tc.field != "" {
				if _, ok := v.Fields[tc.field]; !ok {
					t.Fatalf("problems %v, want one on %s", v.Fields, tc.field)
				}
				return
			}
			if err := v.Err(); err != nil {
				t.Fatal(err)
			}
			s, err := r.Schedule()
			if err != nil {
				t.Fatal(err)
			}
			if got := r.next(s, now); got == nil || got.Format(time.RFC3339) != tc.next {
				t.Errorf("next %v, want %s", got, tc.next)
			}
		})
	}
}

// TestLatestDueCollapses: a stop over many slots yields the last one only,
// and a New York rule keeps 09:00 local across the November change.
func TestLatestDueCollapses(t *testing.T) {
	r := RepeatRule{Every: "daily", At: "09:00", Timezone: "America/New_York"}
	s, err := r.Schedule()
	if err != nil {
		t.Fatal(err)
	}
	first := time.Date(2026, time.October, 30, 13, 0, 0, 0, time.UTC) // 09:00 EDT
	now := time.Date(2026, time.November, 3, 15, 0, 0, 0, time.UTC)
	if got := r.latestDue(s, first, now); got.Format(time.RFC3339) != "2026-11-03T14:00:00Z" {
		t.Errorf("latest due %v, want 09:00 EST", got)
	}
	if got := r.latestDue(s, first, first); !got.Equal(first) {
		t.Errorf("a slot due now is itself: %v", got)
	}
}
