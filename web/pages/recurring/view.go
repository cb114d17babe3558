// Package recurring renders recurring campaigns: the section of the
// campaign list, a definition's page with its runs, and the form that
// makes a draft repeat.
package recurring

import (
	"context"

	"github.com/pushdeck/pushdeck/web"
)

// Row is one definition in the campaign list's section.
type Row struct {
	URL      string
	Name     string
	Schedule string
	Next     string
	Runs     string
	Status   string
}

// SectionView is the recurring section of the campaign list.
type SectionView struct {
	Rows []Row
}

// RunRow is one run on a definition's page.
type RunRow struct {
	URL        string
	Name       string
	Slot       string
	Status     string
	Recipients string
	Accepted   string
}

// ShowView is a definition's page.
type ShowView struct {
	ID        int64
	Name      string
	Provider  string
	Schedule  string
	Next      string
	Ends      string
	Status    string
	LastError string
	RunCount  int
	CanPause  bool
	CanResume bool
	CanEnd    bool
	Runs      []RunRow
}

// FormView is the repeat form of a draft campaign.
type FormView struct {
	CampaignID int64
	Name       string
	Every      string
	At         string
	Days       map[string]bool
	Day        string
	Cron       string
	Timezone   string
	Until      string
	Count      string
	Timezones  []web.Option
	Errors     web.Errors
}

// Weekdays are the weekly rule's checkboxes, in the order shown.
func Weekdays() []string { return []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} }

// Kinds are the rule kinds the form offers.
func Kinds() []string { return []string{"daily", "weekly", "monthly", "cron"} }

func kindOptions(ctx context.Context) []web.Option {
	out := make([]web.Option, 0, 4)
	for _, k := range Kinds() {
		out = append(out, web.Option{Value: k, Label: web.T(ctx, KindID(k))})
	}
	return out
}

// The catalog ids built at run time (checked in both languages by
// TestRecurringIDsExist).

// DayID is a weekday's label.
func DayID(d string) string { return "recurring.day_" + d }

// StatusID is a definition state's label.
func StatusID(s string) string { return "recurring.status_" + s }

// KindID is a rule kind's label in the form.
func KindID(k string) string { return "recurring.every_" + k }

// RuleID words a rule of that kind.
func RuleID(k string) string { return "recurring.rule_" + k }
