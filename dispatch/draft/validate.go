package draft

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Validate checks a draft against the account it targets and returns a
// *models.ValidationError naming every bad field. It checks the shape of a
// segment or condition audience; whether the segment exists is the store's
// to say (the engine asks it before storing a draft).
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
	if len(d.Variants) == 0 {
		d.validateMessage(v, providers.Kind(acct.Kind), caps)
	}
	d.validateVariants(v, providers.Kind(acct.Kind), caps)
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
		a.Values = Dedupe(a.Values)
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
		a.Values = Dedupe(a.Values)
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

// Dedupe trims values and drops blanks and repeats, keeping first-seen order.
func Dedupe(in []string) []string {
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

// validateLocal checks options.local_time and the marketing flag's needs.
func (d *Draft) validateLocal(v *models.ValidationError) {
	if d.Options.LocalTime == "" {
		return
	}
	if _, _, ok := ClockTime(d.Options.LocalTime); !ok {
		v.Add("options.local_time", "err.repeat_at", nil)
	}
}

// ClockTime reads HH:MM (24-hour).
func ClockTime(s string) (hh, mm int, ok bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}
