package dispatch

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Message text limits are each provider's (Capabilities.TextLimits). WeCom's
// below are in bytes: text and markdown ≤ 2048, textcard title ≤ 128 and
// description ≤ 512, button ≤ 4 characters, news 1–8 articles.
// Limits shared by every kind and WeCom's own.
const (
	maxExtBytes          = 4096
	maxURLBytes          = 1024 // GeTui's url and big_image
	maxShortBytes        = 64   // sound, thread id, collapse id, channel id
	maxSubtitleRunes     = 256
	maxBadge             = 99999
	weComMaxContent      = 2048
	weComMaxTitle        = 128
	weComMaxDescription  = 512
	weComMaxURL          = 2048
	weComMaxButtonRunes  = 4
	WeComMaxArticles     = 8
	WeComMaxDupCheckSecs = 4 * 3600
)

func (d *Draft) validateMessage(v *models.ValidationError, kind providers.Kind, caps providers.Capabilities) {
	m := &d.Message
	m.Title, m.Body = strings.TrimSpace(m.Title), strings.TrimSpace(m.Body)
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
	switch m.Type {
	case providers.TypeText, providers.TypeTextCard, providers.TypeMarkdown, providers.TypeNews:
		// App message types, which carry none of the mobile fields.
		validateWeCom(v, m)
	default:
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

// validateMobile checks the GeTui / MX push / sandbox message types.
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
		validateVendor(v, kind, caps, m.Vendor)
	}
	if kind == providers.KindMXPush {
		validateMX(v, m.MX)
	}
}

// validateMobileClick applies the click rules the clients enforce at send
// time: a transmission is not displayed (no tap action), a link opens its
// URL, MX push has no payload action for a displayed message and sends a URL
// as an intent URI (no fragment, no user info).
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
	if kind == providers.KindMXPush && c.Action == providers.ClickURL && httpURL(c.URL) {
		if u, err := url.Parse(c.URL); err == nil && (u.Fragment != "" || u.User != nil) {
			v.Add("message.click.url", "err.mx_url", nil)
		}
	}
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

// validateWeCom checks the four WeCom app message types and their options.
func validateWeCom(v *models.ValidationError, m *providers.Message) {
	w := &m.WeCom
	switch m.Type {
	case providers.TypeText, providers.TypeMarkdown:
		if m.Body == "" {
			v.Add("message.body", "err.required", nil)
		}
		maxBytes(v, "message.body", m.Body, weComMaxContent)
		maxBytes(v, "message.title", m.Title, weComMaxTitle)
	case providers.TypeTextCard:
		if m.Title == "" {
			v.Add("message.title", "err.required", nil)
		}
		if m.Body == "" {
			v.Add("message.body", "err.required", nil)
		}
		maxBytes(v, "message.title", m.Title, weComMaxTitle)
		maxBytes(v, "message.body", m.Body, weComMaxDescription)
		if utf8.RuneCountInString(w.ButtonText) > weComMaxButtonRunes {
			v.Add("message.wecom.btntxt", "err.too_long", map[string]any{"Max": weComMaxButtonRunes})
		}
	case providers.TypeNews:
		notForType(v, "message.title", m.Title != "", m.Type)
		notForType(v, "message.body", m.Body != "", m.Type)
		validateArticles(v, w.Articles)
	}
	validateWeComClick(v, m)
	notForType(v, "message.wecom.btntxt", w.ButtonText != "" && m.Type != providers.TypeTextCard, m.Type)
	notForType(v, "message.wecom.articles", len(w.Articles) > 0 && m.Type != providers.TypeNews, m.Type)
	notForType(v, "message.wecom.safe", w.Safe && m.Type != providers.TypeText, m.Type)
	notForType(v, "message.wecom.enable_id_trans", w.EnableIDTrans && m.Type == providers.TypeMarkdown, m.Type)
	if w.DuplicateCheckInterval < 0 || w.DuplicateCheckInterval > WeComMaxDupCheckSecs*time.Second {
		v.Add("message.wecom.duplicate_check_interval", "err.range", map[string]any{"Min": 0, "Max": WeComMaxDupCheckSecs})
	}
}

// validateWeComClick: only a text card opens something (its URL); the
// other types have no tap action to set.
func validateWeComClick(v *models.ValidationError, m *providers.Message) {
	c := &m.Click
	c.URL = strings.TrimSpace(c.URL)
	if m.Type != providers.TypeTextCard {
		used := (c.Action != "" && c.Action != providers.ClickNone && c.Action != providers.ClickStartApp) || c.URL != "" || c.Intent != "" || c.Payload != ""
		notForType(v, "message.click.action", used, m.Type)
		return
	}
	if c.Action == "" {
		c.Action = providers.ClickURL
	}
	switch {
	case c.Action != providers.ClickURL:
		v.Add("message.click.action", "err.textcard_url", nil)
	case c.URL == "":
		v.Add("message.click.url", "err.required", nil)
	case !httpURL(c.URL):
		v.Add("message.click.url", "err.url", nil)
	default:
		maxBytes(v, "message.click.url", c.URL, weComMaxURL)
	}
}

// validateArticles checks a news message's 1–8 articles; the error names
// the article by number (= its line in the composer).
func validateArticles(v *models.ValidationError, arts []providers.Article) {
	const key = "message.wecom.articles"
	if len(arts) == 0 || len(arts) > WeComMaxArticles {
		v.Add(key, "err.articles_count", map[string]any{"Max": WeComMaxArticles})
		return
	}
	for i := range arts {
		a := &arts[i]
		a.Title, a.URL, a.PicURL, a.Description = strings.TrimSpace(a.Title), strings.TrimSpace(a.URL), strings.TrimSpace(a.PicURL), strings.TrimSpace(a.Description)
		n := map[string]any{"N": i + 1}
		switch {
		case a.Title == "" || len(a.Title) > weComMaxTitle:
			v.Add(key, "err.article_title", map[string]any{"N": i + 1, "Max": weComMaxTitle})
		case !httpURL(a.URL) || len(a.URL) > weComMaxURL:
			v.Add(key, "err.article_url", n)
		case a.PicURL != "" && !httpURL(a.PicURL):
			v.Add(key, "err.article_pic", n)
		case len(a.Description) > weComMaxDescription:
			v.Add(key, "err.article_description", map[string]any{"N": i + 1, "Max": weComMaxDescription})
		default:
			continue
		}
		return
	}
}

func notForType(v *models.ValidationError, field string, set bool, t providers.MessageType) {
	if set {
		v.Add(field, "err.not_for_type", map[string]any{"Type": string(t)})
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
