// Package schedule renders local-time delivery: what a campaign has due
// when, and an account's quiet hours.
package schedule

import "github.com/pushdeck/pushdeck/web"

// DueRow is one hour of a campaign's pending batches.
type DueRow struct {
	// Hour is the hour in the campaign's zone and in UTC.
	Hour       string
	UTC        string
	Batches    string
	Recipients string
}

// DueView is the campaign page's "due when" section.
type DueView struct {
	// LocalTime words the campaign's local-time rule ("" when not set);
	// Quiet the quiet hours a marketing campaign waits out.
	LocalTime string
	Quiet     string
	Rows      []DueRow
}

// QuietView is an account's quiet-hours form.
type QuietView struct {
	Action string
	Start  string
	End    string
	Errors web.Errors
}
