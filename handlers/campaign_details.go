package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// audienceText summarises an audience: its kind and the first few values
// (a segment by its name).
func (s *Server) audienceText(ctx context.Context, a models.Audience) string {
	out := i18n.T(ctx, "audience."+a.Kind)
	if a.Kind == "segment" && len(a.Values) == 1 {
		if id, err := strconv.ParseInt(a.Values[0], 10, 64); err == nil {
			if sg, err := s.store.SegmentByID(ctx, id); err == nil {
				return out + ": " + sg.Name
			}
		}
	}
	if a.Stored != nil {
		// Too long to load: the count alone.
		return out + ": " + i18n.T(ctx, "campaigns.values_listed", map[string]any{"N": num(a.Count)})
	}
	if n := len(a.Values); n > 0 {
		out += ": " + strings.Join(a.Values[:min(n, 5)], ", ")
		if n > 5 {
			out += " " + i18n.T(ctx, "campaigns.and_more", map[string]any{"Count": n - 5})
		}
	}
	return out
}

// messageDetails lists what the message and options set, beyond title and
// body, so the detail page shows everything that will be sent.
func messageDetails(ctx context.Context, d draft.Draft) []campaigns.Detail {
	m, o := d.Message, d.Options
	var out []campaigns.Detail
	add := func(labelID, value string) {
		if value != "" {
			out = append(out, campaigns.Detail{Label: i18n.T(ctx, labelID), Value: value})
		}
	}
	yes := func(b bool) string {
		if b {
			return i18n.T(ctx, "campaigns.yes")
		}
		return ""
	}
	add("field.type", i18n.T(ctx, "type."+string(m.Type)))
	if m.Click.Action != "" {
		v := i18n.T(ctx, "click."+m.Click.Action)
		if x := m.Click.URL + m.Click.Intent + m.Click.Payload; x != "" {
			v += ": " + x
		}
		add("field.click_action", v)
	}
	add("field.big_text", m.BigText)
	add("field.image_url", m.ImageURL)
	if m.Badge != nil {
		add("field.badge", strconv.Itoa(*m.Badge))
	}
	add("field.sound", m.Sound)
	if e := strings.TrimSpace(string(m.Ext)); e != "" && e != "null" && e != "{}" {
		add("field.ext", e)
	}
	loc := o.Location()
	add("field.show_begin", zoned(m.ShowBegin, loc))
	add("field.show_end", zoned(m.ShowEnd, loc))
	if o.TTLSeconds > 0 {
		add("field.ttl", strconv.Itoa(o.TTLSeconds))
	}
	add("field.wifi_only", yes(m.WifiOnly))
	add("field.ios_subtitle", m.IOS.Subtitle)
	add("field.ios_sound", m.IOS.Sound)
	add("field.ios_thread_id", m.IOS.ThreadID)
	add("field.ios_collapse_id", m.IOS.CollapseID)
	add("field.ios_content_available", yes(m.IOS.ContentAvailable))
	add("field.ios_mutable_content", yes(m.IOS.MutableContent))
	add("field.android_channel", m.Android.ChannelID)
	if len(m.Vendor) > 0 {
		keys := make([]string, 0, len(m.Vendor))
		for k := range m.Vendor {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		add("field.vendor", strings.Join(keys, ", "))
	}
	if m.MX.Strategy != "" {
		add("field.mx_strategy", i18n.T(ctx, "strategy."+m.MX.Strategy))
	}
	add("field.mx_sequence", strings.Join(m.MX.Sequence, ", "))
	weComDetails(add, yes, m.WeCom)
	if !o.DuplicateCheckOn() {
		add("field.wecom_dup_check", i18n.T(ctx, "dedupe.off"))
	}
	if o.Speed > 0 {
		add("field.speed", num(int64(o.Speed)))
	}
	if o.ErrorThreshold > 0 {
		add("field.error_threshold", strconv.Itoa(o.ErrorThreshold)+" %")
	}
	if o.Timezone != "" {
		add("field.campaign_timezone", o.Timezone)
	}
	return out
}

func weComDetails(add func(string, string), yes func(bool) string, w providers.WeComOptions) {
	add("field.wecom_safe", yes(w.Safe))
	add("field.wecom_id_trans", yes(w.EnableIDTrans))
	if w.DuplicateCheckInterval > 0 {
		add("field.wecom_dup_interval", strconv.Itoa(int(w.DuplicateCheckInterval/time.Second)))
	}
	add("field.wecom_btntxt", w.ButtonText)
	titles := make([]string, 0, len(w.Articles))
	for _, a := range w.Articles {
		titles = append(titles, a.Title)
	}
	add("field.wecom_articles", strings.Join(titles, " · "))
}

// zoned formats an instant in UTC and, when loc is another zone, there too.
func zoned(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	s := when(t)
	if loc != time.UTC {
		s += " · " + t.In(loc).Format("2006-01-02 15:04") + " (" + loc.String() + ")"
	}
	return s
}
