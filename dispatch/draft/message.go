package draft

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pushdeck/pushdeck/dispatch/render"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Limits every mobile message shares. A message type's text limits are its
// provider's (Capabilities.TextLimits), and a provider's own rules are its
// Capabilities.Check.
const (
	maxExtBytes      = 4096
	maxURLBytes      = 1024 // the shortest click and image URL a mobile provider takes
	maxShortBytes    = 64   // sound, thread id, collapse id, channel id
	maxSubtitleRunes = 256
	maxBadge         = 99999
)

// validateMessage checks the draft's message. A message with
// placeholders is checked as a recipient without any value would get it
// (each placeholder its fallback or nothing), so a text that breaks a rule
// for everyone is refused here; each recipient's own rendering is checked
// again when it is sent (CheckRendered).
func (d *Draft) validateMessage(v *models.ValidationError, kind providers.Kind, caps providers.Capabilities) {
	tpl, probs := render.Parse(d.Message)
	if len(probs) > 0 {
		addProblems(v, probs)
		return
	}
	if !tpl.Personal() {
		d.checkMessage(v, kind, caps, &d.Message)
		return
	}
	fb, p := tpl.Fallback()
	if p != nil {
		addProblems(v, []providers.Problem{*p})
		return
	}
	d.checkMessage(v, kind, caps, &fb)
	// Keep what checking normalised (the default type, a link's action)
	// with the template's own texts.
	tpl.Restore(&fb)
	d.Message = fb
}

// CheckRendered applies a draft's message rules to one recipient's
// rendered message and returns its problems (none when it may be sent).
// The campaign's own settings the engine puts on the message (TTL, task
// group) are not the message's to check.
func CheckRendered(m providers.Message, kind providers.Kind, caps providers.Capabilities, opts Options) []providers.Problem {
	m.TTL, m.Group = 0, ""
	d := Draft{Message: m, Options: opts}
	v := &models.ValidationError{}
	d.checkMessage(v, kind, caps, &d.Message)
	if len(v.Fields) == 0 {
		return nil
	}
	out := make([]providers.Problem, 0, len(v.Fields))
	for k, fe := range v.Fields {
		out = append(out, providers.Problem{Field: k, MsgID: fe.ID, Args: fe.Data})
	}
	return out
}

func (d *Draft) checkMessage(v *models.ValidationError, kind providers.Kind, caps providers.Capabilities, m *providers.Message) {
	m.Title, m.Body = strings.TrimSpace(m.Title), strings.TrimSpace(m.Body)
	if caps.Normalize != nil {
		caps.Normalize(m)
	}
	if m.Type == "" && len(caps.MessageTypes) > 0 {
		m.Type = caps.MessageTypes[0] // the provider's default
	}
	if !caps.SupportsType(m.Type) {
		v.Add("message.type", "err.unsupported_type", nil)
		return
	}
	refuseUnsupported(v, kind, caps, *m, d.Options)
	// The engine sets these from the campaign; a value here would be lost.
	if m.TTL != 0 {
		v.Add("message.ttl", "err.set_elsewhere", map[string]any{"Field": "options.ttl_seconds"})
	}
	if m.Group != "" {
		v.Add("message.group", "err.set_elsewhere", map[string]any{"Field": "group"})
	}
	// App message types carry none of the mobile fields; their rules are
	// all their provider's (Check).
	if m.Type.Mobile() {
		validateMobile(v, kind, m, caps)
	}
	addProblems(v, providers.CheckOptions(caps.Options, m.Options))
	if caps.Check != nil {
		addProblems(v, caps.Check(*m))
	}
}

// addProblems records a provider's refusals as field errors.
func addProblems(v *models.ValidationError, ps []providers.Problem) {
	for _, p := range ps {
		v.Add(p.Field, p.MsgID, p.Args)
	}
}

// validateMobile checks the mobile notification types.
func validateMobile(v *models.ValidationError, kind providers.Kind, m *providers.Message, caps providers.Capabilities) {
	lim := caps.TextLimits[m.Type]
	displayed := m.Type != providers.TypeTransmission
	if displayed && m.Title == "" {
		v.Add("message.title", "err.required", nil)
	}
	if m.Body == "" {
		v.Add("message.body", "err.required", nil)
	}
	maxRunes(v, "message.title", m.Title, lim.Title)
	maxRunes(v, "message.body", m.Body, lim.Body)
	maxRunes(v, "message.big_text", m.BigText, lim.BigText)
	validateMobileClick(v, kind, caps, m, lim)
	if m.Type == providers.TypeImage && m.ImageURL == "" {
		v.Add("message.image_url", "err.required", nil)
	}
	if m.ImageURL != "" {
		switch {
		case !httpURL(m.ImageURL):
			v.Add("message.image_url", "err.url", nil)
		case len(m.ImageURL) > maxURLBytes:
			v.Add("message.image_url", "err.too_long_bytes", map[string]any{"Max": maxURLBytes})
		case len(caps.ImageExts) > 0 && !imageExt(m.ImageURL, caps.ImageExts):
			v.Add("message.image_url", "err.image_ext", nil)
		}
	}
	if caps.BigTextNoImage && m.BigText != "" && m.ImageURL != "" {
		v.Add("message.big_text", "err.big_text_image", nil)
	}
	if m.Badge != nil && (*m.Badge < 0 || *m.Badge > maxBadge) {
		v.Add("message.badge", "err.range", map[string]any{"Min": 0, "Max": maxBadge})
	}
	if m.Speed < 0 {
		v.Add("message.speed", "err.range", map[string]any{"Min": 0, "Max": MaxSpeed})
	}
	validateExt(v, m.Ext)
	validateShowWindow(v, caps.ShowWindow, m.ShowBegin, m.ShowEnd)
	maxBytes(v, "message.sound", m.Sound, maxShortBytes)
	maxBytes(v, "message.ios.sound", m.IOS.Sound, maxShortBytes)
	maxRunes(v, "message.ios.subtitle", m.IOS.Subtitle, maxSubtitleRunes)
	maxBytes(v, "message.ios.thread_id", m.IOS.ThreadID, maxShortBytes)
	maxBytes(v, "message.ios.collapse_id", m.IOS.CollapseID, maxShortBytes)
	maxBytes(v, "message.android.channel_id", m.Android.ChannelID, maxShortBytes)
	if len(m.Vendor) > 0 && FieldSupported(caps, FieldVendor) {
		validateVendor(v, caps, m.Vendor)
	}
}

// validateMobileClick applies the click rules the clients enforce at send
// time: a transmission is not displayed (no tap action), a link opens its
// URL, and a provider may take no payload action for a displayed message
// (NoPayloadClick). A provider's own rules on the URL are its Check's.
func validateMobileClick(v *models.ValidationError, kind providers.Kind, caps providers.Capabilities, m *providers.Message, lim providers.TextLimits) {
	c := &m.Click
	c.URL, c.Intent, c.Payload = strings.TrimSpace(c.URL), strings.TrimSpace(c.Intent), strings.TrimSpace(c.Payload)
	switch m.Type {
	case providers.TypeTransmission:
		if c.Action != "" && c.Action != providers.ClickNone && c.Action != providers.ClickStartApp {
			v.Add("message.click.action", "err.click_transmission", nil)
			return
		}
	case providers.TypeLink:
		if c.Action == "" {
			c.Action = providers.ClickURL
		}
		if c.Action != providers.ClickURL {
			v.Add("message.click.action", "err.link_url", nil)
			return
		}
	}
	if caps.NoPayloadClick && c.Action == providers.ClickPayload {
		v.Add("message.click.action", "err.click_unsupported", map[string]any{"Provider": KindName(caps, kind)})
		return
	}
	validateClick(v, *c)
	maxBytes(v, "message.click.url", c.URL, maxURLBytes)
	maxRunes(v, "message.click.intent", c.Intent, lim.Intent)
	maxRunes(v, "message.click.payload", c.Payload, lim.Payload)
}

func validateClick(v *models.ValidationError, c providers.Click) {
	switch c.Action {
	case "", providers.ClickNone, providers.ClickStartApp:
	case providers.ClickURL:
		if c.URL == "" {
			v.Add("message.click.url", "err.required", nil)
		} else if !httpURL(c.URL) {
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

// validateShowWindow: the end comes after the begin, and the window meets
// the provider's rule.
func validateShowWindow(v *models.ValidationError, rule providers.ShowWindowRule, begin, end time.Time) {
	if begin.IsZero() && end.IsZero() {
		return
	}
	if rule.BothEnds {
		if begin.IsZero() {
			v.Add("message.show_begin", "err.show_window_both", nil)
			return
		}
		if end.IsZero() {
			v.Add("message.show_end", "err.show_window_both", nil)
			return
		}
	}
	if begin.IsZero() || end.IsZero() {
		return
	}
	if !end.After(begin) {
		v.Add("message.show_end", "err.show_window_order", nil)
		return
	}
	if rule.Longer > 0 && end.Sub(begin) <= rule.Longer {
		v.Add("message.show_end", "err.show_window_min", map[string]any{"Minutes": int(rule.Longer / time.Minute)})
	}
}

func validateExt(v *models.ValidationError, ext json.RawMessage) {
	t := bytes.TrimSpace(ext)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return
	}
	var obj map[string]any
	if t[0] != '{' || json.Unmarshal(t, &obj) != nil {
		v.Add("message.ext", "err.json_object", nil)
		return
	}
	if len(t) > maxExtBytes {
		v.Add("message.ext", "err.too_long_bytes", map[string]any{"Max": maxExtBytes})
	}
}

func maxRunes(v *models.ValidationError, field, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(field, "err.too_long", map[string]any{"Max": max})
	}
}

func maxBytes(v *models.ValidationError, field, s string, max int) {
	if len(s) > max {
		v.Add(field, "err.too_long_bytes", map[string]any{"Max": max})
	}
}

// imageExt reports whether an image URL ends in one of exts (checked on
// the URL as given, as the clients do).
func imageExt(raw string, exts []string) bool {
	lower := strings.ToLower(strings.TrimSpace(raw))
	for _, ext := range exts {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

func httpURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// ValidateMessage checks a message alone against a provider kind's rules,
// the same rules a draft's message meets (a saved template's message is
// checked with it). It normalises m in place and returns a
// *models.ValidationError with fields named "message.…".
func ValidateMessage(m *providers.Message, kind providers.Kind, caps providers.Capabilities) error {
	d := Draft{Message: *m}
	v := &models.ValidationError{}
	d.validateMessage(v, kind, caps)
	*m = d.Message
	return v.Err()
}
