package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
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
}

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

// Draft is a campaign as the composer and the API send it (DESIGN.md
// "Campaign body").
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
	maxNameRunes  = 200
)

// textLimits are per-kind title/body limits in runes (GeTui's notification
// limits, seed 003 / providers.md 1.6; WeCom's are in bytes, checked apart).
var textLimits = map[providers.Kind][2]int{
	providers.KindSandbox: {50, 256},
	providers.KindGeTui:   {50, 256},
	providers.KindMXPush:  {100, 1000},
}

// Validate checks a draft against the account it targets and returns a
// *models.ValidationError naming every bad field.
func (d *Draft) Validate(acct models.ProviderAccount, caps providers.Capabilities) error {
	v := &models.ValidationError{}
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" {
		v.Add("name", "err.required", nil)
	} else if utf8.RuneCountInString(d.Name) > maxNameRunes {
		v.Add("name", "err.too_long", map[string]any{"Max": maxNameRunes})
	}
	if d.Group != "" && !validGroup(d.Group) {
		v.Add("group", "err.group", nil)
	}
	if acct.Disabled {
		v.Add("provider_id", "err.provider_disabled", nil)
	}
	d.validateAudience(v, caps)
	d.validateMessage(v, providers.Kind(acct.Kind), caps)
	if d.Options.Speed < 0 || d.Options.Speed > MaxSpeed {
		v.Add("options.speed", "err.range", map[string]any{"Min": 0, "Max": MaxSpeed})
	}
	if d.Options.ErrorThreshold < 0 || d.Options.ErrorThreshold > 100 {
		v.Add("options.error_threshold", "err.range", map[string]any{"Min": 0, "Max": 100})
	}
	if d.Options.TTLSeconds < 0 || d.Options.TTLSeconds > MaxTTLSeconds {
		v.Add("options.ttl_seconds", "err.range", map[string]any{"Min": 0, "Max": MaxTTLSeconds})
	}
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
		a.Values = nil
	case "cid", "alias", "tag":
		a.Values = dedupe(a.Values)
		max := MaxListValues
		if a.Kind == "tag" {
			max = 100
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
		if a.Kind == "tag" && !caps.Supports(providers.AudienceTag) {
			v.Add("audience.kind", "err.unsupported_audience", nil)
		}
	case "":
		v.Add("audience.kind", "err.required", nil)
	default:
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

func (d *Draft) validateMessage(v *models.ValidationError, kind providers.Kind, caps providers.Capabilities) {
	m := &d.Message
	m.Title, m.Body = strings.TrimSpace(m.Title), strings.TrimSpace(m.Body)
	if m.Type == "" {
		m.Type = providers.TypeNotification
	}
	if !caps.SupportsType(m.Type) {
		v.Add("message.type", "err.unsupported_type", nil)
		return
	}
	needTitle := m.Type != providers.TypeTransmission && m.Type != providers.TypeText && m.Type != providers.TypeMarkdown && m.Type != providers.TypeNews
	if needTitle && m.Title == "" {
		v.Add("message.title", "err.required", nil)
	}
	if m.Type != providers.TypeNews && m.Body == "" {
		v.Add("message.body", "err.required", nil)
	}
	if lim, ok := textLimits[kind]; ok {
		if utf8.RuneCountInString(m.Title) > lim[0] {
			v.Add("message.title", "err.too_long", map[string]any{"Max": lim[0]})
		}
		if utf8.RuneCountInString(m.Body) > lim[1] {
			v.Add("message.body", "err.too_long", map[string]any{"Max": lim[1]})
		}
	}
	if kind == providers.KindWeCom && m.Type == providers.TypeText && len(m.Body) > 2048 {
		v.Add("message.body", "err.too_long_bytes", map[string]any{"Max": 2048})
	}
	validateClick(v, m.Click)
	if len(m.Ext) > 0 {
		trimmed := bytes.TrimSpace(m.Ext)
		var obj map[string]any
		if len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null")) && json.Unmarshal(trimmed, &obj) != nil {
			v.Add("message.ext", "err.json_object", nil)
		}
	}
	if m.ImageURL != "" && !httpURL(m.ImageURL) {
		v.Add("message.image_url", "err.url", nil)
	}
}

func validateClick(v *models.ValidationError, c providers.Click) {
	switch c.Action {
	case "", providers.ClickNone, providers.ClickStartApp:
	case providers.ClickURL:
		if !httpURL(c.URL) {
			v.Add("message.click.url", "err.url", nil)
		}
	case providers.ClickIntent:
		if strings.TrimSpace(c.Intent) == "" {
			v.Add("message.click.intent", "err.required", nil)
		}
	case providers.ClickPayload:
		if strings.TrimSpace(c.Payload) == "" {
			v.Add("message.click.payload", "err.required", nil)
		}
	default:
		v.Add("message.click.action", "err.choice", nil)
	}
}

func httpURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 1024
}

// CreateCampaign validates a draft against its account and stores it. With
// an idempotency key already used it returns the first campaign and
// created=false.
func (e *Engine) CreateCampaign(ctx context.Context, d Draft, actor, idemKey string) (models.Campaign, bool, error) {
	acct, caps, err := e.accountCaps(ctx, d.ProviderID)
	if err != nil {
		return models.Campaign{}, false, err
	}
	if err := d.Validate(acct, caps); err != nil {
		return models.Campaign{}, false, err
	}
	msg, err := json.Marshal(d.Message)
	if err != nil {
		return models.Campaign{}, false, fmt.Errorf("dispatch: encode message: %w", err)
	}
	opts, err := json.Marshal(d.Options)
	if err != nil {
		return models.Campaign{}, false, fmt.Errorf("dispatch: encode options: %w", err)
	}
	return e.store.CreateCampaign(ctx, models.NewCampaign{
		Name: d.Name, ProviderID: d.ProviderID, GroupName: d.Group, Audience: d.Audience,
		Message: msg, Options: opts, ScheduleAt: d.ScheduleAt, IdempotencyKey: idemKey, CreatedBy: actor,
	})
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
