package dispatch

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// RepeatRule is when a recurring campaign runs: daily at a time, weekly on
// some days at a time, monthly on a day at a time, or a five-field cron
// expression, all read in Timezone; it stops after Until or Count runs.
type RepeatRule struct {
	// Every is daily, weekly, monthly or cron.
	Every string `json:"every"`
	// At is the local time of day, HH:MM (daily, weekly, monthly).
	At string `json:"at,omitempty"`
	// Days are the weekdays of a weekly rule: mon … sun.
	Days []string `json:"days,omitempty"`
	// Day is the day of the month of a monthly rule, 1–31; months without
	// that day are skipped.
	Day int `json:"day,omitempty"`
	// Cron is a standard five-field expression (minute hour day month
	// weekday) for every=cron.
	Cron     string     `json:"cron,omitempty"`
	Timezone string     `json:"timezone"`
	Until    *time.Time `json:"until,omitempty"`
	Count    int        `json:"count,omitempty"`
}

// Limits of a repeat rule.
const (
	MaxRepeatCount = 10_000
	// MinRepeatGap is the shortest time allowed between two runs: each run
	// is a whole campaign with its own audience freeze.
	MinRepeatGap = 5 * time.Minute
	maxCronLen   = 100
	// maxSlotSteps bounds the walk over missed slots after a long stop.
	maxSlotSteps = 100_000
)

// Weekdays in the order and spelling rules use.
var weekdayNames = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Location is the rule's zone; Validate has checked it.
func (r RepeatRule) Location() *time.Location {
	loc, err := time.LoadLocation(r.Timezone)
	if err != nil || r.Timezone == "" {
		return time.UTC
	}
	return loc
}

// spec builds the cron expression for the rule; the problem is a catalog
// id for the field at fault.
func (r RepeatRule) spec() (spec, field, problem string) {
	if r.Every == "cron" {
		c := strings.TrimSpace(r.Cron)
		switch {
		case c == "":
			return "", "repeat.cron", "err.required"
		case len(c) > maxCronLen:
			return "", "repeat.cron", "err.too_long"
		case strings.Contains(c, "TZ=") || strings.HasPrefix(c, "@every"):
			// The zone is the rule's own field, and a fixed delay is
			// not a calendar slot: both would make "one run per slot"
			// ambiguous.
			return "", "repeat.cron", "err.repeat_cron"
		}
		return c, "", ""
	}
	switch r.Every {
	case "daily", "weekly", "monthly":
	case "":
		return "", "repeat.every", "err.required"
	default:
		return "", "repeat.every", "err.repeat_every"
	}
	hh, mm, ok := draft.ClockTime(r.At)
	if !ok {
		return "", "repeat.at", "err.repeat_at"
	}
	switch r.Every {
	case "daily":
		return fmt.Sprintf("%d %d * * *", mm, hh), "", ""
	case "weekly":
		var days []string
		for _, d := range r.Days {
			i := weekdayIndex(d)
			if i < 0 {
				return "", "repeat.days", "err.repeat_days"
			}
			days = append(days, strconv.Itoa(i))
		}
		if len(days) == 0 {
			return "", "repeat.days", "err.required"
		}
		return fmt.Sprintf("%d %d * * %s", mm, hh, strings.Join(days, ",")), "", ""
	}
	if r.Day < 1 || r.Day > 31 {
		return "", "repeat.day", "err.range"
	}
	return fmt.Sprintf("%d %d %d * *", mm, hh, r.Day), "", ""
}

func weekdayIndex(d string) int {
	for i, n := range weekdayNames {
		if strings.EqualFold(strings.TrimSpace(d), n) {
			return i
		}
	}
	return -1
}

// Schedule parses the rule into a cron schedule.
func (r RepeatRule) Schedule() (cron.Schedule, error) {
	spec, field, problem := r.spec()
	if problem != "" {
		v := &models.ValidationError{}
		var data map[string]any
		if problem == "err.range" {
			data = map[string]any{"Min": 1, "Max": 31}
		}
		v.Add(field, problem, data)
		return nil, v
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		v := &models.ValidationError{}
		v.Add("repeat.cron", "err.repeat_cron", nil)
		return nil, v
	}
	return s, nil
}

// Validate checks the rule and normalises it; now is the current time, to
// refuse an end already past and schedules that run too often.
func (r *RepeatRule) Validate(v *models.ValidationError, now time.Time) {
	r.Every = strings.ToLower(strings.TrimSpace(r.Every))
	r.Timezone = strings.TrimSpace(r.Timezone)
	if r.Timezone == "" {
		r.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(r.Timezone); err != nil || r.Timezone == "Local" || len(r.Timezone) > 64 {
		v.Add("repeat.timezone", "err.campaign_timezone", nil)
		return
	}
	if r.Count < 0 || r.Count > MaxRepeatCount {
		v.Add("repeat.count", "err.range", map[string]any{"Min": 0, "Max": MaxRepeatCount})
	}
	if r.Until != nil && !r.Until.After(now) {
		v.Add("repeat.until", "err.future", nil)
	}
	s, err := r.Schedule()
	if ve, ok := err.(*models.ValidationError); ok {
		for k, fe := range ve.Fields {
			v.Add(k, fe.ID, fe.Data)
		}
		return
	}
	first := r.next(s, now)
	if first == nil {
		v.Add("repeat.every", "err.repeat_never", nil)
		return
	}
	// Three gaps catch "*/1 * * * *" without refusing a weekday rule whose
	// runs are days apart.
	at := *first
	for range 3 {
		n := s.Next(at)
		if n.IsZero() {
			break
		}
		if n.Sub(at) < MinRepeatGap {
			v.Add("repeat.cron", "err.repeat_too_often", map[string]any{"Minutes": int(MinRepeatGap / time.Minute)})
			return
		}
		at = n
	}
}

// next is the first slot strictly after t, nil when there is none before
// Until (cron's Next returns the zero time when no slot exists at all).
func (r RepeatRule) next(s cron.Schedule, t time.Time) *time.Time {
	n := s.Next(t.In(r.Location()))
	if n.IsZero() || (r.Until != nil && n.After(*r.Until)) {
		return nil
	}
	n = n.UTC()
	return &n
}

// latestDue walks from a due slot to the last slot at or before now: the
// one slot a run is started for when several were missed while the server
// was down.
func (r RepeatRule) latestDue(s cron.Schedule, due, now time.Time) time.Time {
	slot := due
	for range maxSlotSteps {
		n := s.Next(slot.In(r.Location()))
		if n.IsZero() || n.After(now) || (r.Until != nil && n.After(*r.Until)) {
			break
		}
		slot = n.UTC()
	}
	return slot
}
