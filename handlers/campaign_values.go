package handlers

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// valuesOf renders a stored draft back into the composer's fields, times in
// the draft's zone.
func valuesOf(d draft.Draft) campaigns.FormValues {
	loc := d.Options.Location()
	m := d.Message
	f := campaigns.FormValues{
		Name: d.Name, ProviderID: strconv.FormatInt(d.ProviderID, 10), Group: d.Group, AudienceKind: d.Audience.Kind, IncludeInvalid: d.Audience.IncludeInvalid,
		MessageValues: sectionOf(m, loc),
		IOSSound:      m.IOS.Sound, IOSSubtitle: m.IOS.Subtitle, IOSThreadID: m.IOS.ThreadID, IOSCollapseID: m.IOS.CollapseID,
		IOSContentAvailable: m.IOS.ContentAvailable, IOSMutableContent: m.IOS.MutableContent, AndroidChannel: m.Android.ChannelID,
		MXStrategy: m.MX.Strategy, MXSequence: strings.Join(m.MX.Sequence, ", "),
		WeComSafe: m.WeCom.Safe, WeComIDTrans: m.WeCom.EnableIDTrans, WeComDupCheck: d.Options.DuplicateCheckOn(), WeComButton: m.WeCom.ButtonText,
		Timezone: d.Options.Timezone, LocalTime: d.Options.LocalTime, Marketing: d.Options.Marketing, Options: optionValues(m.Options),
	}
	if f.Timezone == "" {
		f.Timezone = "UTC"
	}
	f.AB = abValuesOf(d)
	if d.Audience.Stored != nil {
		f.StoredCount = d.Audience.Count
	}
	if d.Audience.Kind == "segment" && len(d.Audience.Values) == 1 {
		f.SegmentID = d.Audience.Values[0]
	} else {
		f.AudienceValues = strings.Join(d.Audience.Values, "\n")
	}
	if len(m.Vendor) > 0 {
		if b, err := json.MarshalIndent(m.Vendor, "", "  "); err == nil {
			f.Vendor = string(b)
		}
	}
	if m.WeCom.DuplicateCheckInterval > 0 {
		f.WeComDupInterval = strconv.Itoa(int(m.WeCom.DuplicateCheckInterval / time.Second))
	}
	lines := make([]string, 0, len(m.WeCom.Articles))
	for _, a := range m.WeCom.Articles {
		lines = append(lines, strings.Join([]string{a.Title, a.URL, a.PicURL, a.Description}, " | "))
	}
	f.WeComArticles = strings.Join(lines, "\n")
	opt := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	f.Speed, f.TTLSeconds, f.ErrorThreshold = opt(d.Options.Speed), opt(d.Options.TTLSeconds), opt(d.Options.ErrorThreshold)
	if d.ScheduleAt != nil {
		f.ScheduleAt = localInput(*d.ScheduleAt, loc)
	}
	return f
}

// describeZone names an instant in a zone for the detail page.
func describeZone(t time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s (%s)", t.In(loc).Format("2006-01-02 15:04"), tz)
}
