// Package campaigns holds the campaign pages: list, composer, detail and
// the live progress partial.
package campaigns

import "github.com/pushdeck/pushdeck/web"

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
}

// ListView is the campaigns page.
type ListView struct {
	Rows     []Row
	Status   string
	Statuses []web.Option
	NextURL  string
}

// FormValues are the composer's fields as typed, so a failed validation
// renders them back exactly.
type FormValues struct {
	Name           string
	ProviderID     string
	Group          string
	AudienceKind   string
	AudienceValues string
	Type           string
	Title          string
	Body           string
	ClickAction    string
	ClickValue     string
	Ext            string
	Speed          string
	TTLSeconds     string
	ScheduleAt     string
}

// FormView is the composer.
type FormView struct {
	Values    FormValues
	Errors    web.Errors
	Providers []web.Option
	Audiences []web.Option
	Types     []web.Option
	Actions   []web.Option
}

// Event is one status change.
type Event struct {
	When   string
	From   string
	To     string
	Actor  string
	Reason string
}

// Channel is one line of the provider figures.
type Channel struct {
	Name      string
	Target    string
	Sent      string
	Received  string
	Displayed string
	Clicked   string
}

// ProgressView is the live part of the detail page.
type ProgressView struct {
	ID         int64
	Status     string
	Live       bool
	Percent    int
	Recipients string
	Pending    string
	Accepted   string
	Invalid    string
	Failed     string
	Listed     bool
	Channels   []Channel
	Total      Channel
	Polled     bool
	Stale      bool
	Reason     string
}

// TestOutcome is one recipient of a test send.
type TestOutcome struct {
	Recipient string
	Status    string
	Code      string
	Message   string
}

// TestView is the test-send form and its last result.
type TestView struct {
	ID       int64
	CIDs     string
	Error    string
	Done     bool
	Outcomes []TestOutcome
	Provider string
}

// ShowView is the campaign detail page.
type ShowView struct {
	ID        int64
	Name      string
	Provider  string
	Audience  string
	Type      string
	Title     string
	Body      string
	Group     string
	Created   string
	Schedule  string
	CanSend   bool
	CanPause  bool
	CanResume bool
	CanCancel bool
	Events    []Event
	Progress  ProgressView
	Test      TestView
}
