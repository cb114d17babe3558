// Package audience holds the audience pages: devices with filters and
// tags, the device detail and form, CSV import with progress, and the
// segment builder.
package audience

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
)

// Tabs is the audience section's navigation, carrying the chosen account.
type Tabs struct {
	// Current is devices, segments or import.
	Current    string
	ProviderID string
}

// Query is the provider_id query string of the tab links ("" when none).
func (t Tabs) Query() string {
	if t.ProviderID == "" {
		return ""
	}
	return "?provider_id=" + t.ProviderID
}

// Filter is the device list's filter form, as typed.
type Filter struct {
	Tag      string
	Platform string
	Vendor   string
	Region   string
	Q        string
	// Invalid is "only", "exclude" or "" (models.InvalidOnly, …).
	Invalid string
}

// DevicesView is the device list of one account.
type DevicesView struct {
	Tabs       Tabs
	Accounts   []web.Option
	ProviderID string
	// Account is the chosen account's name; Total its device count.
	Account string
	Total   string
	// Matches is how many devices the filter keeps ("" without a filter;
	// "10,000+" past the counting bound), MatchesN the number for plurals.
	Matches  string
	MatchesN int64
	// BackURL is this page (account, filter and cursor), where a bulk
	// change returns.
	BackURL string
	// FilterText names the filter in the operator's language, for the
	// empty state.
	FilterText string
	Filter     Filter
	Filtered   bool
	Platforms  []web.Option
	Rows       []DeviceRow
	Tags       []TagRow
	NextURL    string
	FirstURL   string
	// Sandbox offers seeding the account's simulated fleet.
	Sandbox  bool
	NewURL   string
	NoDevice bool
}

// DeviceRow is one device of the list.
type DeviceRow struct {
	URL      string
	CID      string
	Alias    string
	UserID   string
	Platform string
	Vendor   string
	Region   string
	Tags     []string
	OptedOut bool
	Updated  string
	// InvalidSince is when a provider answered the token invalid ("" for
	// a device without the mark), InvalidReason what it said.
	InvalidSince, InvalidReason string
}

// TagRow is one tag with its device count and the list filtered by it.
type TagRow struct {
	Name    string
	Devices string
	URL     string
	Active  bool
}

// DeviceView is one device's detail.
type DeviceView struct {
	ID       int64
	Account  string
	CID      string
	Alias    string
	UserID   string
	Platform string
	Vendor   string
	Region   string
	Timezone string
	Tags     []TagRow
	// Attributes are the device's free attributes, in name order;
	// AttributesURL edits them.
	Attributes    []AttrRow
	AttributesURL string
	OptedOut      bool
	Created       string
	Updated       string
	LastSeen      string
	EditURL       string
	DeleteURL     string
	BackURL       string
	// InvalidSince and InvalidReason as on DeviceRow; ClearInvalidURL
	// removes the mark.
	InvalidSince, InvalidReason, ClearInvalidURL string
}

// DeviceFormValues are the device form's fields as typed.
type DeviceFormValues struct {
	ProviderID string
	CID        string
	Alias      string
	UserID     string
	Platform   string
	Vendor     string
	Region     string
	Tags       string
	// Attributes are name=value lines.
	Attributes string
	OptedOut   bool
}

// AttrRow is one attribute of a device.
type AttrRow struct {
	Name, Value string
}

// DeviceFormView is the add / edit form of one device.
type DeviceFormView struct {
	IsNew     bool
	Action    string
	CancelURL string
	// Account names the device's account when editing.
	Account   string
	Accounts  []web.Option
	Platforms []web.Option
	Values    DeviceFormValues
	Errors    web.Errors
}

// ImportView is the CSV import page: the upload form and, once started,
// the job's progress.
type ImportView struct {
	Tabs       Tabs
	Accounts   []web.Option
	ProviderID string
	Errors     web.Errors
	Job        *JobView
	Recent     []JobView
}

// JobView is one import's progress or result.
type JobView struct {
	URL     string
	Account string
	File    string
	By      string
	Started string
	Running bool
	// Poll keeps the card polling: while it runs, and for a while after it
	// reads as interrupted, in case its instance was only slow.
	Poll bool
	// Status names the job's state (running, done, failed, interrupted)
	// for the list of recent imports.
	Status string
	// Interrupted says the import stopped with its instance and how to
	// finish it ("" when it did not).
	Interrupted string
	// Failed is why the import stopped early ("" when it did not).
	Failed string
	// FileErrors are file-level problems (no cid column, …).
	FileErrors []string
	Percent    int
	Read       string
	Rows       string
	Imported   string
	Updated    string
	Unchanged  string
	Rejected   string
	Rejections []RejectedRow
	Elapsed    string
}

// RejectedRow is one refused CSV line.
type RejectedRow struct {
	Line   string
	Field  string
	Reason string
}

// PercentValue is the progress bar's value.
func (j JobView) PercentValue() string { return strconv.Itoa(j.Percent) }

// PercentText is the progress bar's label.
func (j JobView) PercentText() string { return fmt.Sprintf("%d%%", j.Percent) }

// SegmentsView lists the saved segments with their counts on one account.
type SegmentsView struct {
	Tabs       Tabs
	Accounts   []web.Option
	ProviderID string
	Rows       []SegmentRow
}

// SegmentRow is one saved segment.
type SegmentRow struct {
	ID          string
	URL         string
	Name        string
	Description string
	Summary     string
}

// SegmentFormView is the segment builder.
type SegmentFormView struct {
	IsNew bool
	// SegmentID is set for a stored segment: a viewer's count (whose form
	// is disabled and so not sent) counts the stored tree.
	SegmentID   string
	Action      string
	DeleteURL   string
	Name        string
	Description string
	Builder     Builder
	// Advanced is set when the stored tree is deeper than the builder
	// shows: it is edited as JSON instead.
	Advanced   bool
	TreeJSON   string
	Errors     web.Errors
	Accounts   []web.Option
	ProviderID string
	Fields     []web.Option
	Ops        []web.Option
	// AttrNames are the account's attribute names an attribute row
	// suggests.
	AttrNames []string
	TopOps    []web.Option
	GroupOps  []web.Option
}

// Builder is a condition tree as the form shows it: groups of condition
// rows, combined by TopOp; each group combines its rows by Op and may be
// negated.
type Builder struct {
	TopOp  string
	Groups []Group
}

// Group is one group of condition rows.
type Group struct {
	Index int
	Op    string
	Not   bool
	Rows  []Row
	Error string
}

// Row is one condition: field, operator and values (comma-separated).
// Attr names the attribute when Field is "attr".
type Row struct {
	Group  int
	Index  int
	Field  string
	Attr   string
	Op     string
	Values string
	Error  string
}

// Name is the form name of a group's part.
func (g Group) Name(part string) string { return fmt.Sprintf("g%d_%s", g.Index, part) }

// Name is the form name of a row's part.
func (r Row) Name(part string) string { return fmt.Sprintf("g%d_r%d_%s", r.Group, r.Index, part) }

// PreviewView is the audience count fragment.
type PreviewView struct {
	// Count is the exact number of recipients of a listed audience, or,
	// for a native one, the number of matching devices registered here
	// (the reach's estimate). CountN is the same number, for plurals.
	Count  string
	CountN int64
	Error  string
	// Native is the audience kind the provider sends natively ("all" or
	// "tag"), empty for a listed audience. A native send reaches whatever
	// the provider knows, so Count is not its reach.
	Native string
}

// current is aria-current for the tab named tab.
func current(t Tabs, tab string) string { return boolCurrent(t.Current == tab) }

func boolCurrent(on bool) string {
	if on {
		return "page"
	}
	return "false"
}

func deviceFormTitle(ctx context.Context, v DeviceFormView) string {
	if v.IsNew {
		return i18n.T(ctx, "audience.new_device")
	}
	return i18n.T(ctx, "audience.edit_device")
}

func invalid(msg string) string {
	if msg != "" {
		return "true"
	}
	return ""
}

func segmentFormTitle(ctx context.Context, v SegmentFormView) string {
	if v.IsNew {
		return i18n.T(ctx, "audience.new_segment")
	}
	return i18n.T(ctx, "audience.edit_segment")
}

// storedCountVals is the hx-vals of a viewer's live count: the stored
// segment ("{}" for an operator, whose count follows the form).
func storedCountVals(ctx context.Context, v SegmentFormView) string {
	if web.CanEdit(ctx) || v.SegmentID == "" {
		return "{}"
	}
	b, err := json.Marshal(map[string]string{"segment_id": v.SegmentID})
	if err != nil {
		return "{}"
	}
	return string(b)
}

// segmentVals is the hx-vals JSON of a segment list row's count request.
func segmentVals(id, providerID string) string {
	b, err := json.Marshal(map[string]string{"segment_id": id, "provider_id": providerID})
	if err != nil {
		return "{}"
	}
	return string(b)
}

// PlatformLabel is a platform's name in the reader's language.
func PlatformLabel(ctx context.Context, platform string) string {
	id := "audience.platform_" + platform
	return i18n.T(ctx, id)
}

// csvSample is the import page's example file: the header, then one row,
// each on its own line (a pre keeps the line break that templ's text would
// collapse).
const csvSample = "cid,alias,user_id,platform,vendor,region,tags\n0a1b2c3d4e5f,alice,1001,android,huawei,Zhejiang,vip;beta"
