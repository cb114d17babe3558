package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	// The composer checks IANA time-zone names; the embedded database makes
	// that work in minimal containers without /usr/share/zoneinfo.
	_ "time/tzdata"
	"unicode/utf8"

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
}

// DuplicateCheckOn reports whether the duplicate check is on (the default).
func (o Options) DuplicateCheckOn() bool { return o.DuplicateCheck == nil || *o.DuplicateCheck }

// errorThreshold is the failed share as a fraction; 0 disables the check.
func (o Options) errorThreshold() float64 {
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
}

// Limits of the composer.
const (
	MaxListValues = 1_000_000
	MaxTTLSeconds = 3 * 24 * 3600
	MaxSpeed      = 1_000_000
	MaxNameRunes  = 200
	maxTags       = 100
)

// Validate checks a draft against the account it targets and returns a
// *models.ValidationError naming every bad field. It checks the shape of a
// segment or condition audience; whether the segment exists is the store's
// to say (Engine.CreateCampaign asks it).
func (d *Draft) Validate(acct models.ProviderAccount, caps providers.Capabilities) error {
	v := &models.ValidationError{}
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" {
		v.Add("name", "err.required", nil)
	} else if utf8.RuneCountInString(d.Name) > MaxNameRunes {
		v.Add("name", "err.too_long", map[string]any{"Max": MaxNameRunes})
	}
	if d.Group != "" && !validGroup(d.Group) {
		v.Add("group", "err.group", nil)
	}
	if acct.Disabled {
		v.Add("provider_id", "err.provider_disabled", nil)
	}
	d.validateAudience(v, caps)
	d.validateMessage(v, providers.Kind(acct.Kind), caps)
	if d.Audience.Kind == "tag" && caps.CheckTags != nil && caps.Supports(providers.AudienceTag) {
		addProblems(v, caps.CheckTags(d.Audience.Values, d.Message))
	}
	if d.Options.Speed < 0 || d.Options.Speed > MaxSpeed {
		v.Add("options.speed", "err.range", map[string]any{"Min": 0, "Max": MaxSpeed})
	}
	if d.Options.ErrorThreshold < 0 || d.Options.ErrorThreshold > 100 {
		v.Add("options.error_threshold", "err.range", map[string]any{"Min": 0, "Max": 100})
	}
	if d.Options.TTLSeconds < 0 || d.Options.TTLSeconds > MaxTTLSeconds {
		v.Add("options.ttl_seconds", "err.range", map[string]any{"Min": 0, "Max": MaxTTLSeconds})
	}
	if d.Options.Timezone != "" {
		if _, err := time.LoadLocation(d.Options.Timezone); err != nil || d.Options.Timezone == "Local" {
			v.Add("options.timezone", "err.campaign_timezone", nil)
		}
	}
	d.validateLocal(v)
	if d.ScheduleAt != nil && !d.ScheduleAt.After(time.Now()) {
		v.Add("schedule_at", "err.future", nil)
	}
	return v.Err()
}

func validGroup(g string) bool {
	if len(g) > 100 {
		return false
	}
	for _, r := range g {
		if !(r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

func (d *Draft) validateAudience(v *models.ValidationError, caps providers.Capabilities) {
	a := &d.Audience
	switch a.Kind {
	case "all":
		if !caps.Supports(providers.AudienceAll) {
			v.Add("audience.kind", "err.unsupported_audience", nil)
		}
		a.Values, a.Stored = nil, nil
	case "cid", "alias", "tag":
		if a.Stored != nil && a.Kind == "tag" {
			// Only a list longer than any tag list is stored.
			a.Stored = nil
			v.Add("audience.values", "err.too_many", map[string]any{"Max": maxTags})
			return
		}
		if a.Stored != nil {
			// A stored list was trimmed, checked value by value and counted
			// as it was stored (or streamed in); the store checks the
			// distinct count when it attaches the list.
			a.Values = nil
			if a.Count == 0 {
				v.Add("audience.values", "err.required", nil)
			}
			d.checkListKind(v, caps)
			return
		}
		a.Values = dedupe(a.Values)
		max := MaxListValues
		if a.Kind == "tag" {
			max = maxTags
		}
		if len(a.Values) == 0 {
			v.Add("audience.values", "err.required", nil)
		} else if len(a.Values) > max {
			v.Add("audience.values", "err.too_many", map[string]any{"Max": max})
		}
		for _, s := range a.Values {
			if len(s) > 256 {
				v.Add("audience.values", "err.value_too_long", map[string]any{"Max": 256})
				break
			}
		}
		d.checkListKind(v, caps)
	case "segment":
		a.Values = dedupe(a.Values)
		if len(a.Values) != 1 {
			v.Add("audience.values", "err.segment_pick", nil)
		} else if id, err := strconv.ParseInt(a.Values[0], 10, 64); err != nil || id <= 0 {
			v.Add("audience.values", "err.segment_pick", nil)
		}
	case "conditions":
		if len(a.Tree) == 0 || string(a.Tree) == "null" {
			v.Add("audience.conditions", "err.required", nil)
		}
	case "":
		v.Add("audience.kind", "err.required", nil)
	default:
		v.Add("audience.kind", "err.unsupported_audience", nil)
	}
}

// checkListKind refuses a tag or cid list the account cannot send.
func (d *Draft) checkListKind(v *models.ValidationError, caps providers.Capabilities) {
	if d.Audience.Kind == "tag" && !caps.Supports(providers.AudienceTag) {
		v.Add("audience.kind", "err.unsupported_audience", nil)
	}
	if d.Audience.Kind == "cid" && !caps.Supports(providers.AudienceCID) {
		v.Add("audience.kind", "err.unsupported_audience", nil)
	}
}

// dedupe trims values and drops blanks and repeats, keeping first-seen order.
func dedupe(in []string) []string {
	seen := make(map[string]struct{}, len(in))
	out := in[:0:0]
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if _, ok := seen[s]; ok {
			continue
		}
		seen[s] = struct{}{}
		out = append(out, s)
	}
	return out
}

// CreateCampaign validates a draft against its account and stores it. With
// an idempotency key already used it returns the first campaign and
// created=false.
func (e *Engine) CreateCampaign(ctx context.Context, d Draft, actor string, idem models.Idempotency) (models.Campaign, bool, error) {
	if err := e.ValidateDraft(ctx, &d); err != nil {
		return models.Campaign{}, false, err
	}
	msg, opts, err := encodeDraft(d)
	if err != nil {
		return models.Campaign{}, false, err
	}
	return e.store.CreateCampaign(ctx, models.NewCampaign{
		Name: d.Name, ProviderID: d.ProviderID, GroupName: d.Group, Audience: d.Audience,
		Message: msg, Options: opts, ScheduleAt: d.ScheduleAt, Idempotency: idem, CreatedBy: actor,
	})
}

// ValidateDraft checks a draft against its account (Draft.Validate) and a
// segment or condition audience against the store. It normalises d in place
// (trimmed text, de-duplicated values) and returns a *models.ValidationError
// for bad input.
func (e *Engine) ValidateDraft(ctx context.Context, d *Draft) error {
	acct, caps, err := e.accountCaps(ctx, d.ProviderID)
	if err != nil {
		return err
	}
	v := &models.ValidationError{}
	if err := d.Validate(acct, caps); err != nil && !errors.As(err, &v) {
		return err
	}
	_, badValues := v.Fields["audience.values"]
	_, badTree := v.Fields["audience.conditions"]
	if (d.Audience.Kind == "segment" && !badValues) || (d.Audience.Kind == "conditions" && !badTree) {
		a := d.Audience
		var ave *models.ValidationError
		if err := e.store.ValidateAudience(ctx, &a); errors.As(err, &ave) {
			for k, fe := range ave.Fields {
				v.Add(k, fe.ID, fe.Data)
			}
		} else if err != nil {
			return err
		}
	}
	return v.Err()
}

func encodeDraft(d Draft) (msg, opts json.RawMessage, err error) {
	if msg, err = json.Marshal(d.Message); err != nil {
		return nil, nil, fmt.Errorf("dispatch: encode message: %w", err)
	}
	if opts, err = json.Marshal(d.Options); err != nil {
		return nil, nil, fmt.Errorf("dispatch: encode options: %w", err)
	}
	return msg, opts, nil
}

// UpdateDraft replaces a draft's content after validating it. A campaign
// that is no longer a draft is a *models.TransitionError (ErrConflict).
func (e *Engine) UpdateDraft(ctx context.Context, id int64, d Draft) (models.Campaign, error) {
	c, err := e.store.CampaignByID(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Status != models.StatusDraft {
		return c, &models.TransitionError{From: c.Status, To: models.StatusDraft}
	}
	if err := e.ValidateDraft(ctx, &d); err != nil {
		return c, err
	}
	msg, opts, err := encodeDraft(d)
	if err != nil {
		return c, err
	}
	sched := d.ScheduleAt
	return e.store.UpdateDraft(ctx, id, models.CampaignUpdate{Name: &d.Name, ProviderID: &d.ProviderID, GroupName: &d.Group,
		Audience: &d.Audience, Message: msg, Options: opts, ScheduleAt: &sched})
}

// accountCaps loads an account and its client's capabilities; an unknown
// account is a validation error on provider_id.
func (e *Engine) accountCaps(ctx context.Context, id int64) (models.ProviderAccount, providers.Capabilities, error) {
	acct, err := e.store.ProviderAccountByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		v := &models.ValidationError{}
		v.Add("provider_id", "err.provider_unknown", nil)
		return acct, providers.Capabilities{}, v
	}
	if err != nil {
		return acct, providers.Capabilities{}, err
	}
	p, err := e.clients.get(ctx, acct)
	if err != nil {
		return acct, providers.Capabilities{}, err
	}
	return acct, p.Capabilities(), nil
}

// DraftOf rebuilds the draft a campaign was created from (for the edit form
// and the API).
func DraftOf(c models.Campaign) (Draft, error) {
	d := Draft{Name: c.Name, ProviderID: c.ProviderID, Group: c.GroupName, Audience: c.Audience, ScheduleAt: c.ScheduleAt}
	if err := json.Unmarshal(c.Message, &d.Message); err != nil {
		return d, fmt.Errorf("dispatch: decode message of campaign %d: %w", c.ID, err)
	}
	if len(c.Options) > 0 {
		if err := json.Unmarshal(c.Options, &d.Options); err != nil {
			return d, fmt.Errorf("dispatch: decode options of campaign %d: %w", c.ID, err)
		}
	}
	return d, nil
}
