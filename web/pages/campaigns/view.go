// Package campaigns holds the campaign pages: list, composer, detail and
// the live progress partial.
package campaigns

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/pushdeck/pushdeck/web"
)

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

// Failure is one line of "errors by reason".
type Failure struct {
	Status  string
	Code    string
	Message string
	Count   string
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
	// Unsent is the recipients a cancel left unsent ("" when none).
	Unsent string
	// Done is recipients with a terminal state; Rate is recipients per
	// second since sending started; ETA is the time left at that rate
	// (empty when unknown or finished).
	Done     string
	Rate     string
	ETA      string
	Failures []Failure
	Listed   bool
	Channels []Channel
	Total    Channel
	Polled   bool
	Stale    bool
	Reason   string
	// Refresh is set on the polled partial: it then also carries the
	// action bar (out of band) and, once the campaign has finished, clears
	// the flash of the action that started it.
	Refresh  bool
	Finished bool
	Actions  ActionsView
	// NoneAccepted: see Row.
	NoneAccepted bool
	// Retry is set while batches wait for another attempt.
	Retry *RetryView
	// AB marks a campaign awaiting its A/B winner, or testing.
	AB ABState
}

// ActionsView is the campaign's action bar.
type ActionsView struct {
	ID        int64
	Status    string
	CanSend   bool
	CanPause  bool
	CanResume bool
	CanCancel bool
	CanEdit   bool
	// Schedules is true when Send would schedule the campaign (a draft
	// with a send time in the future) rather than send it now.
	Schedules   bool
	SendConfirm string
	// Failed and Unsent are the counts offered to "resend" (formatted;
	// empty when there are none). Unsent recipients were never sent to
	// because the campaign was cancelled; they are offered separately.
	Failed  string
	FailedN int64
	Unsent  string
	UnsentN int64
	// OOB marks the bar sent with the progress partial.
	OOB bool
}

// tabCurrent is aria-current for the tab in view.
func tabCurrent(on bool) string {
	if on {
		return "page"
	}
	return ""
}

// suffix is "-" + s, or "" when s is empty (test ids of a variant form).
func suffix(s string) string {
	if s == "" {
		return ""
	}
	return "-" + s
}

// RetryView is the provider trouble a sending campaign is riding out:
// batches waiting for another attempt, the provider's last error and when
// the next attempt is due.
type RetryView struct {
	Batches string
	Code    string
	Message string
	At      string
	// Next is the worded next attempt (empty while paused).
	Next string
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

// Detail is one labelled line of the message summary.
type Detail struct {
	Label string
	Value string
}

// ShowView is the campaign detail page.
type ShowView struct {
	ID       int64
	Name     string
	Provider string
	Audience string
	Type     string
	Title    string
	Body     string
	Group    string
	Created  string
	// TemplateName and TemplateURL link the template it was started from.
	TemplateName, TemplateURL string
	// Schedule is the send time in UTC; ScheduleLocal the same instant in
	// the zone the campaign was composed in (empty when that is UTC).
	Schedule      string
	ScheduleLocal string
	Details       []Detail
	Preview       PreviewView
	Actions       ActionsView
	Events        []Event
	Progress      ProgressView
	Test          TestView
	// Due is what a local-time or marketing campaign has due when (nil
	// for the others).
	Due templ.Component
	// AB lists the variants of an A/B campaign (nil for the others).
	AB templ.Component
}

// Article is one news article in the preview.
type Article struct {
	Title  string
	URL    string
	PicURL string
}

// PreviewView is the notification as a device would show it.
type PreviewView struct {
	// Kind is the provider kind: wecom previews as an app message, every
	// other kind as an Android and an iOS notification.
	Kind     string
	Type     string
	AppName  string
	Title    string
	Subtitle string
	Body     string
	BigText  string
	ImageURL string
	// Silent is a transmission: delivered to the app, never displayed.
	Silent   bool
	Button   string
	Articles []Article
	Empty    bool
	// AppMessage is a message type shown inside a messaging app, not by
	// the device's notification system.
	AppMessage bool
}

// WeCom reports whether the preview is an app message (shown inside a
// messaging app, as WeCom's are) rather than a device notification.
func (p PreviewView) WeCom() bool { return p.AppMessage }

// ProviderOption is an account in the composer's provider select.
type ProviderOption struct {
	Value string
	Label string
	Kind  string
}

// KindOption is a select option offered to some provider kinds only.
type KindOption struct {
	Value string
	Label string
	Kinds string
}

// FormValues are the composer's fields as typed, so a failed validation
// renders them back exactly.
type FormValues struct {
	Name string
	// TemplateID is the saved template the composer was opened from (kept
	// with the campaign); TemplateName names a template saved from it.
	TemplateID     string
	TemplateName   string
	ProviderID     string
	Group          string
	AudienceKind   string
	AudienceValues string
	// IncludeInvalid keeps devices a provider answered invalid in an
	// audience the registry resolves.
	IncludeInvalid bool
	// StoredCount is the length of a draft's stored list (too long to
	// edit in a text box), kept when AudienceValues is left empty.
	StoredCount int64
	SegmentID   string
	// MessageValues are the message section (ab_message.go).
	MessageValues
	TTLSeconds          string
	IOSSound            string
	IOSSubtitle         string
	IOSThreadID         string
	IOSCollapseID       string
	IOSContentAvailable bool
	IOSMutableContent   bool
	AndroidChannel      string
	Vendor              string
	MXStrategy          string
	MXSequence          string
	WeComSafe           bool
	WeComIDTrans        bool
	WeComDupCheck       bool
	WeComDupInterval    string
	WeComButton         string
	WeComArticles       string
	Speed               string
	ErrorThreshold      string
	ScheduleAt          string
	Timezone            string
	LocalTime           string
	Marketing           bool
	// Options are the provider settings as typed, by option name.
	Options map[string]string
	// AB are the A/B test's fields (ab_view.go).
	AB ABValues
}

// FieldLimit is a text field's longest value, in runes or in bytes.
type FieldLimit struct {
	Max   int  `json:"max"`
	Bytes bool `json:"bytes,omitempty"`
}

// FormView is the composer, for a new campaign (ID 0) or a draft.
type FormView struct {
	ID     int64
	Values FormValues
	// Errors are keyed by form field name; Other holds problems that
	// belong to no field of the form.
	Errors    web.Errors
	Other     []string
	Providers []ProviderOption
	// Kind is the selected account's kind; the field groups of other
	// kinds start hidden (and disabled, so they are not submitted).
	Kind       string
	Audiences  []web.Option
	Segments   []web.Option
	Types      []KindOption
	Actions    []web.Option
	Strategies []web.Option
	Timezones  []web.Option
	// AutoTimezone asks the page script to preselect the browser's zone.
	AutoTimezone bool
	// CountOnLoad asks for the audience count as soon as the page loads:
	// a reopened draft or a refused form whose audience is already chosen.
	// A fresh form waits until the operator chooses.
	CountOnLoad bool
	// FieldKinds maps a field group (draft.Field*) to the kinds that
	// use it, space separated, for data-kinds.
	FieldKinds map[string]string
	// VendorKeys lists the vendor keys the selected kind accepts.
	VendorKeys string
	// Limits are the text fields' limits by account kind, message type
	// and field name, for the live counters.
	Limits  map[string]map[string]map[string]FieldLimit
	Preview PreviewView
	// OptionGroups are the provider settings of every kind that declares
	// some.
	OptionGroups []OptionGroup
}

// Action is where the form posts.
func (v FormView) Action() string {
	if v.ID > 0 {
		return "/campaigns/" + strconv.FormatInt(v.ID, 10)
	}
	return "/campaigns"
}

// AudienceTrigger is the audience count's hx-trigger: any change in the
// audience fields, typing in them, or another account (the same audience
// may be native on one provider and listed on another), plus the page load
// when CountOnLoad.
func (v FormView) AudienceTrigger() string {
	t := "change, keyup changed delay:500ms, change from:#f-provider_id"
	if v.CountOnLoad {
		t = "load, " + t
	}
	return t
}

// KindsOf returns the data-kinds value of a field group.
func (v FormView) KindsOf(group string) string { return v.FieldKinds[group] }

// Shows reports whether a field group starts visible: it applies to the
// selected kind (or no kind is selected), or one of its fields has an error
// the operator must see.
func (v FormView) Shows(group string, fields ...string) bool {
	for _, f := range fields {
		if v.Errors[f] != "" {
			return true
		}
	}
	kinds, ok := v.FieldKinds[group]
	if !ok || v.Kind == "" {
		return true
	}
	return strings.Contains(" "+kinds+" ", " "+v.Kind+" ")
}

// OptionShown reports whether a kind-specific option applies to the
// selected kind.
func (v FormView) OptionShown(kinds string) bool {
	return v.Kind == "" || kinds == "" || strings.Contains(" "+kinds+" ", " "+v.Kind+" ")
}
