package campaigns

import (
	"github.com/a-h/templ"

	"github.com/pushdeck/pushdeck/web"
)

// Row is one campaign in a list.
type Row struct {
	ID         int64
	URL        string
	Name       string
	Status     string
	Provider   string
	Created    string
	Recipients string
	Accepted   string
	Received   string
	ClickRate  string
	// NoneAccepted marks a finished campaign the provider accepted nobody
	// of: its badge is never the green of success.
	NoneAccepted bool
	// AB marks a campaign awaiting its A/B winner, or testing.
	AB ABState
}

// ListView is the campaigns page.
type ListView struct {
	Rows     []Row
	Status   string
	Statuses []web.Option
	NextURL  string
	// Empty is the empty state naming the filter ("" without a filter).
	Empty string
	// Recurring is the section of recurring definitions above the list
	// (nil on filtered and later pages).
	Recurring templ.Component
}
