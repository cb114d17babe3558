// Package draft is a campaign as the composer and the API write it: the
// draft, its sending options, and the validation both share against the
// provider's capabilities. The engine stores and sends drafts; the console
// builds and shows them.
package draft

import (
	"encoding/json"
	"fmt"
	"time"
	// The composer checks IANA time-zone names; the embedded database makes
	// that work in minimal containers without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Options are a campaign's sending options (the contract's `options`).
type Options struct {
	// Speed is messages per second; 0 is the account's maximum.
	Speed int `json:"speed"`
	// TTLSeconds is how long the provider keeps the message for offline
	// devices; 0 is the provider's default.
	TTLSeconds int `json:"ttl_seconds"`
	// ErrorThreshold is the failed share (percent, 1–100) past which the
	// campaign pauses itself; 0 is the default of 50 %, 100 never pauses.
	ErrorThreshold int `json:"error_threshold,omitempty"`
	// Timezone is the IANA zone the operator composed the campaign in: the
	// composer reads and shows schedule_at and the show window in it. Times
	// are stored in UTC whatever it is.
	Timezone string `json:"timezone,omitempty"`
	// DuplicateCheck, on unless set to false, makes a retry of a batch
	// safe on a provider without request ids: its requests ask the
	// provider to drop repeats (WeCom's duplicate check) for as long as
	// the engine may retry, and a batch is not retried past that. Off,
	// a retry after a lost answer may deliver the message twice.
	DuplicateCheck *bool `json:"duplicate_check,omitempty"`
	// LocalTime ("HH:MM") sends to each recipient at that time in their
	// device's zone (Timezone for devices without one).
	LocalTime string `json:"local_time,omitempty"`
	// Marketing campaigns wait out the account's quiet hours.
	Marketing bool `json:"marketing,omitempty"`
	// ABTest, with variants, sends them to a sample first (variants.go).
	ABTest *ABTest `json:"ab_test,omitempty"`
}

// DuplicateCheckOn reports whether the duplicate check is on (the default).
func (o Options) DuplicateCheckOn() bool { return o.DuplicateCheck == nil || *o.DuplicateCheck }

// ErrorShare is the failed share past which the campaign pauses itself,
// as a fraction; 0 disables the check.
func (o Options) ErrorShare() float64 {
	switch {
	case o.ErrorThreshold <= 0:
		return 0.5
	case o.ErrorThreshold >= 100:
		return 0
	}
	return float64(o.ErrorThreshold) / 100
}

// Location returns the options' time zone, UTC when unset or unknown.
func (o Options) Location() *time.Location {
	if o.Timezone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(o.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Draft is a campaign as the composer and the API send it: the campaign
// body, whose field names are the API's contract.
type Draft struct {
	Name       string            `json:"name"`
	ProviderID int64             `json:"provider_id"`
	Group      string            `json:"group"`
	Audience   models.Audience   `json:"audience"`
	Message    providers.Message `json:"message"`
	Options    Options           `json:"options"`
	ScheduleAt *time.Time        `json:"schedule_at"`
	// TemplateID is the saved template the campaign starts from. With
	// FromTemplate (an API body that gave no message) its message is the
	// template's; otherwise the draft's own (the composer sends the
	// template's message as the operator edited it).
	TemplateID   *int64 `json:"template_id,omitempty"`
	FromTemplate bool   `json:"-"`
	// Variants, when set, are the A/B versions of the message; Message is
	// then the first one's.
	Variants []Variant `json:"variants,omitempty"`
}

// Limits of the composer.
const (
	MaxListValues = 1_000_000
	MaxTTLSeconds = 3 * 24 * 3600
	MaxSpeed      = 1_000_000
	MaxNameRunes  = 200
	maxTags       = 100
)

// Encode returns the draft's message and options as the store keeps them.
func Encode(d Draft) (msg, opts json.RawMessage, err error) {
	if msg, err = json.Marshal(d.Message); err != nil {
		return nil, nil, fmt.Errorf("draft: encode message: %w", err)
	}
	if opts, err = json.Marshal(d.Options); err != nil {
		return nil, nil, fmt.Errorf("draft: encode options: %w", err)
	}
	return msg, opts, nil
}

// Of rebuilds the draft a campaign was created from (for the edit form
// and the API).
func Of(c models.Campaign) (Draft, error) {
	d := Draft{Name: c.Name, ProviderID: c.ProviderID, Group: c.GroupName, Audience: c.Audience, ScheduleAt: c.ScheduleAt}
	if err := json.Unmarshal(c.Message, &d.Message); err != nil {
		return d, fmt.Errorf("draft: decode message of campaign %d: %w", c.ID, err)
	}
	if len(c.Options) > 0 {
		if err := json.Unmarshal(c.Options, &d.Options); err != nil {
			return d, fmt.Errorf("draft: decode options of campaign %d: %w", c.ID, err)
		}
	}
	vs, err := DecodeVariants(c.Variants)
	if err != nil {
		return d, fmt.Errorf("draft: campaign %d: %w", c.ID, err)
	}
	d.Variants = vs
	return d, nil
}
