package providers

import "time"

// Capabilities declares what a provider does natively.
type Capabilities struct {
	// Audiences maps each natively supported audience kind to the largest
	// number of values one request may carry (recipients for list kinds,
	// tags for tag). Zero means the kind takes no values (all).
	Audiences map[AudienceKind]int
	// MessageTypes lists the message types the provider accepts, its
	// default first (a draft without a type gets it).
	MessageTypes []MessageType
	// RequestsPerSecond is a safe default request rate for one account.
	RequestsPerSecond float64
	// Idempotency says what keeps a repeated request (a retry after a lost
	// answer) from delivering twice; DedupeWindow is the longest window a
	// request may ask for when it is IdempotencyDedupeWindow.
	Idempotency  Idempotency
	DedupeWindow time.Duration
	// Name is the provider's proper name, used in messages to operators.
	Name string
	// Fields lists the field groups (FieldGroups) the provider carries;
	// a message setting another group is refused before it is stored.
	Fields []string
	// VendorKeys lists the per-vendor override keys the provider accepts
	// (FieldVendor).
	VendorKeys []string
	// ShowWindow is what the provider requires of a message's display
	// window when one is set.
	ShowWindow ShowWindowRule
	// ImageExts, when set, are the only endings an image URL may have
	// (".png"), compared without case.
	ImageExts []string
	// BigTextNoImage is true when a message may carry a big text or an
	// image, not both.
	BigTextNoImage bool
	// NoPayloadClick is true when a displayed message cannot open the app
	// with a payload (ClickPayload).
	NoPayloadClick bool
	// TextLimits are the longest texts each message type may carry; the
	// composer counts against them and drafts are validated against them.
	TextLimits map[MessageType]TextLimits
	// Simulated is true when the provider delivers to a simulated fleet of
	// its own instead of real devices: the console lists it after the real
	// providers and offers to seed the device registry from its fleet.
	Simulated bool
	// DailyAppStats is true when the provider's only statistics are one
	// figure per app and day (providers.AppStatsReporter), not per message:
	// the campaign statistics page shows those days.
	DailyAppStats bool
	// ReportsClicks is true when the provider's task reports count clicks
	// (Reporter); an A/B test judged by clicks falls back to the received
	// rate elsewhere.
	ReportsClicks bool
	// Options declares the provider-specific settings a message may carry
	// in Message.Options; the composer renders them and CheckOptions
	// refuses anything else.
	Options []OptionField
	// FieldChoices lists, by a message field's key
	// ("message.mx.distribution_strategy"), the values the provider takes
	// for a field of its own that the composer offers as a drop-down.
	FieldChoices map[string][]string
	// Normalize, when set, tidies a draft's message before it is checked
	// and stored (trimmed texts, the default tap action of a type), so what
	// is stored is what the provider will send.
	Normalize func(m *Message)
	// Check, when set, applies the provider's own message rules that the
	// declarations above cannot express; it runs after the shared checks,
	// on drafts, before anything is stored.
	Check func(m Message) []Problem
	// CheckTags, when set, applies the provider's rules to a tag audience
	// (its tags, with the message that goes to them), which the provider
	// resolves itself; it runs on drafts with the other checks.
	CheckTags func(tags []string, m Message) []Problem
}

// ShowWindowRule constrains a message's display window.
type ShowWindowRule struct {
	// BothEnds is true when a window needs its begin and its end.
	BothEnds bool
	// Longer is the length a window must exceed; zero means any.
	Longer time.Duration
}

// TextLimits are the longest texts of one message type, per field; zero
// means the type carries no such text.
type TextLimits struct {
	// Bytes is true when the provider counts UTF-8 bytes, not characters.
	Bytes                                 bool
	Title, Body, BigText, Intent, Payload int
}

// MobileTextLimits are the limits of the four mobile message types, which
// share the shown texts' limits except the body of a transmission (its
// payload), which may be longer.
func MobileTextLimits(shown TextLimits, transmissionBody int) map[MessageType]TextLimits {
	transmission := shown
	transmission.Body = transmissionBody
	return map[MessageType]TextLimits{
		TypeNotification: shown, TypeLink: shown, TypeImage: shown,
		TypeTransmission: transmission,
	}
}

// Idempotency is how a provider treats a request it has already taken.
type Idempotency int

// Idempotency kinds. The zero value promises nothing, so a provider that
// does not declare one is treated as the least safe.
const (
	// IdempotencyNone: nothing recognises a repeat; a retry after an
	// answer was lost (timeout, 5xx after the work was done) may deliver
	// again.
	IdempotencyNone Idempotency = iota
	// IdempotencyRequestID: a repeated SendRequest.RequestID is dropped,
	// however late.
	IdempotencyRequestID
	// IdempotencyDedupeWindow: a request identical to one taken within
	// SendRequest.DedupeWindow (at most Capabilities.DedupeWindow) is
	// dropped, and only when the request asks for it. A retry is safe
	// only while the window since the first attempt lasts, and only if it
	// is byte-for-byte the same request.
	IdempotencyDedupeWindow
)

func (i Idempotency) String() string {
	switch i {
	case IdempotencyRequestID:
		return "request_id"
	case IdempotencyDedupeWindow:
		return "dedupe_window"
	default:
		return "none"
	}
}

// Supports reports whether the audience kind is native to the provider.
func (c Capabilities) Supports(k AudienceKind) bool {
	_, ok := c.Audiences[k]
	return ok
}

// SupportsType reports whether the message type is accepted.
func (c Capabilities) SupportsType(t MessageType) bool {
	for _, m := range c.MessageTypes {
		if m == t {
			return true
		}
	}
	return false
}
