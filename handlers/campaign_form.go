package handlers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// formValues reads the composer's fields as typed.
func formValues(c *gin.Context) campaigns.FormValues {
	p := func(k string) string { return c.PostForm(k) }
	on := func(k string) bool { return c.PostForm(k) != "" }
	// The composer's own section: every field is its own, posted or not.
	var msg campaigns.MessageValues
	for _, f := range campaigns.VariantFields() {
		msg.Set(f.Name, p(f.Name))
	}
	return campaigns.FormValues{
		Name: p("name"), TemplateID: p("template_id"), TemplateName: p("template_name"), ProviderID: p("provider_id"), Group: strings.TrimSpace(p("group")),
		AudienceKind: p("audience_kind"), AudienceValues: p("audience_values"), SegmentID: p("segment_id"), IncludeInvalid: on("include_invalid"),
		MessageValues: msg, TTLSeconds: p("ttl_seconds"),
		IOSSound: p("ios_sound"), IOSSubtitle: p("ios_subtitle"), IOSThreadID: p("ios_thread_id"), IOSCollapseID: p("ios_collapse_id"),
		IOSContentAvailable: on("ios_content_available"), IOSMutableContent: on("ios_mutable_content"),
		AndroidChannel: p("android_channel_id"), Vendor: p("vendor"), MXStrategy: p("mx_strategy"), MXSequence: p("mx_sequence"),
		WeComSafe: on("wecom_safe"), WeComIDTrans: on("wecom_id_trans"), WeComDupCheck: on("wecom_dup_check"),
		WeComDupInterval: p("wecom_dup_interval"), WeComButton: p("wecom_btntxt"), WeComArticles: p("wecom_articles"),
		Speed: p("speed"), ErrorThreshold: p("error_threshold"), ScheduleAt: p("schedule_at"), Timezone: p("timezone"),
		LocalTime: strings.TrimSpace(p("local_time")), Marketing: on("marketing"),
		AB:      abFormValues(c, msg),
		Options: postedOptions(c), // last: the fields above have parsed the form
	}
}

// draftFromForm turns the composer's fields into a draft. What does not
// parse (a number, a date, JSON, an article line, the uploaded file)
// becomes a field error keyed like the API body, instead of a zero value.
// With withFile, an uploaded id list joins the pasted values (and is put
// into them, so a re-rendered form keeps it).
func draftFromForm(c *gin.Context, withFile bool) (campaigns.FormValues, draft.Draft, *models.ValidationError) {
	f := formValues(c)
	v := &models.ValidationError{}
	d := draft.Draft{Name: f.Name, Group: f.Group}
	d.ProviderID, _ = strconv.ParseInt(f.ProviderID, 10, 64)
	loc := time.UTC
	if tz := strings.TrimSpace(f.Timezone); tz != "" && tz != "UTC" {
		l, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			v.Add("options.timezone", "err.campaign_timezone", nil)
		} else {
			loc = l
		}
		d.Options.Timezone = tz
	}
	d.Options.LocalTime, d.Options.Marketing = f.LocalTime, f.Marketing
	if withFile {
		if extra, ok := uploadedValues(c, v); ok && len(extra) > 0 {
			f.AudienceValues = strings.TrimRight(f.AudienceValues, "\r\n \t")
			if f.AudienceValues != "" {
				f.AudienceValues += "\n"
			}
			f.AudienceValues += strings.Join(extra, "\n")
		}
	}
	d.Audience = models.Audience{Kind: f.AudienceKind, IncludeInvalid: f.IncludeInvalid}
	switch f.AudienceKind {
	case "segment":
		if s := strings.TrimSpace(f.SegmentID); s != "" {
			d.Audience.Values = []string{s}
		}
	case "all":
	default:
		d.Audience.Values = splitValues(f.AudienceValues)
	}
	d.Message = messageFromForm(f, v, loc)
	if id, ok := parseID(f.TemplateID); ok {
		d.TemplateID = &id
	}
	intField(v, f.Speed, "options.speed", &d.Options.Speed)
	intField(v, f.TTLSeconds, "options.ttl_seconds", &d.Options.TTLSeconds)
	intField(v, f.ErrorThreshold, "options.error_threshold", &d.Options.ErrorThreshold)
	// The duplicate check stays on unless the operator unticked its box;
	// the box is only posted where the provider's options are shown, which
	// the marker beside it says.
	if c.PostForm("dup_check_shown") != "" && !f.WeComDupCheck {
		off := false
		d.Options.DuplicateCheck = &off
	}
	d.ScheduleAt = timeField(v, f.ScheduleAt, "schedule_at", loc)
	return f, d, v
}

func messageFromForm(f campaigns.FormValues, v *models.ValidationError, loc *time.Location) providers.Message {
	m := providers.Message{Android: providers.AndroidOptions{ChannelID: strings.TrimSpace(f.AndroidChannel)},
		IOS: providers.IOSOptions{Sound: strings.TrimSpace(f.IOSSound), Subtitle: strings.TrimSpace(f.IOSSubtitle), ThreadID: strings.TrimSpace(f.IOSThreadID),
			CollapseID: strings.TrimSpace(f.IOSCollapseID), ContentAvailable: f.IOSContentAvailable, MutableContent: f.IOSMutableContent},
		MX:    providers.MXOptions{Strategy: f.MXStrategy, Sequence: splitValues(f.MXSequence)},
		WeCom: providers.WeComOptions{Safe: f.WeComSafe, EnableIDTrans: f.WeComIDTrans, ButtonText: strings.TrimSpace(f.WeComButton)},
	}
	applySection(&m, f.MessageValues, v, loc, "message.")
	if raw := strings.TrimSpace(f.Vendor); raw != "" {
		if err := json.Unmarshal([]byte(raw), &m.Vendor); err != nil || m.Vendor == nil {
			v.Add("message.vendor", "err.vendor_json", nil)
		}
	}
	var secs int
	intField(v, f.WeComDupInterval, "message.wecom.duplicate_check_interval", &secs)
	m.WeCom.DuplicateCheckInterval = time.Duration(secs) * time.Second
	m.WeCom.Articles = parseArticles(v, f.WeComArticles)
	return m
}

// parseArticles reads news articles, one a line: "title | url | picurl |
// description" (the description may itself contain "|"). Blank lines are
// skipped, so article n is the n-th non-blank line.
func parseArticles(v *models.ValidationError, s string) []providers.Article {
	var out []providers.Article
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, "|", 4)
		if len(parts) < 2 {
			v.Add("message.wecom.articles", "err.article_format", map[string]any{"N": len(out) + 1})
		}
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		out = append(out, providers.Article{Title: strings.TrimSpace(parts[0]), URL: strings.TrimSpace(parts[1]),
			PicURL: strings.TrimSpace(parts[2]), Description: strings.TrimSpace(parts[3])})
	}
	return out
}

func intField(v *models.ValidationError, raw, field string, dst *int) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		v.Add(field, "err.integer", nil)
		return
	}
	*dst = n
}

// timeField reads a datetime-local value in the operator's zone and returns
// it in UTC; nil when empty.
func timeField(v *models.ValidationError, raw, field string, loc *time.Location) *time.Time {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	t, err := parseLocalTime(raw, loc)
	if err != nil {
		v.Add(field, "err.datetime", nil)
		return nil
	}
	return &t
}

// parseLocalTime reads a datetime-local value (or RFC 3339) in loc and
// returns the instant in UTC.
func parseLocalTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not a date and time")
}

// localInput formats an instant for a datetime-local input in loc.
func localInput(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02T15:04")
}

// splitValues splits pasted ids on newlines, commas, semicolons and spaces.
func splitValues(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' || r == ';' })
}

// maxUploadBytes bounds the id-list file (a million ids of up to 64 bytes).
const maxUploadBytes = 64 << 20

// uploadedValues streams the optional id-list file, one id a line, keeping
// the first of each repeated id. ok is false when the file was refused
// (the reason is added to v under audience.file).
func uploadedValues(c *gin.Context, v *models.ValidationError) ([]string, bool) {
	fh, err := c.FormFile("audience_file")
	if err != nil || fh == nil || fh.Filename == "" {
		return nil, true // no file: the form was not multipart or the field was empty
	}
	if fh.Size == 0 {
		return nil, true
	}
	ext := strings.ToLower(filepath.Ext(fh.Filename))
	if ext != ".txt" && ext != ".csv" {
		v.Add("audience.file", "err.idfile_type", nil)
		return nil, false
	}
	if fh.Size > maxUploadBytes {
		v.Add("audience.file", "err.idfile_size", map[string]any{"Max": "64 MB"})
		return nil, false
	}
	file, err := fh.Open()
	if err != nil {
		v.Add("audience.file", "err.idfile_read", nil)
		return nil, false
	}
	defer func() { _ = file.Close() }() // read-only; a close error changes nothing
	return scanIDs(file, v)
}

// scanIDs reads one id per line: blank lines and "#" comments are skipped,
// surrounding quotes and a trailing comma (a one-column CSV) are dropped.
// It stops at the contract's 1,000,000 values.
func scanIDs(r io.Reader, v *models.ValidationError) ([]string, bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	seen := map[string]struct{}{}
	var out []string
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		b = bytes.TrimSpace(bytes.TrimSuffix(b, []byte(",")))
		b = bytes.Trim(b, `"`)
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		if len(b) > 256 {
			v.Add("audience.file", "err.idfile_line", map[string]any{"Line": line, "Max": 256})
			return nil, false
		}
		id := string(b)
		if _, dup := seen[id]; dup {
			continue
		}
		if len(out) == draft.MaxListValues {
			v.Add("audience.file", "err.too_many", map[string]any{"Max": draft.MaxListValues})
			return nil, false
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	if err := sc.Err(); err != nil {
		v.Add("audience.file", "err.idfile_read", nil)
		return nil, false
	}
	return out, true
}

// formFieldOf maps a field error's key (the API body path) to the composer
// field that shows it; "" means no field (the error is listed on top).
func formFieldOf(key string) string {
	if f, ok := formFields[key]; ok {
		return f
	}
	if f, ok := abFormField(key); ok {
		return f
	}
	switch {
	case strings.HasPrefix(key, "message.options."):
		return campaigns.OptionFormName(strings.TrimPrefix(key, "message.options."))
	case strings.HasPrefix(key, "message.wecom.articles"):
		return "wecom_articles"
	case strings.HasPrefix(key, "message.vendor"):
		return "vendor"
	case strings.HasPrefix(key, "audience.segment"), strings.HasPrefix(key, "audience.conditions"):
		return "segment_id"
	}
	return ""
}

var formFields = map[string]string{
	"name": "name", "template_name": "template_name", "provider_id": "provider_id", "group": "group",
	"audience.kind": "audience_kind", "audience.values": "audience_values", "audience.file": "audience_file",
	"message.type": "type", "message.title": "title", "message.body": "body", "message.big_text": "big_text",
	"message.image_url": "image_url", "message.click.action": "click_action", "message.click.url": "click_value",
	"message.click.intent": "click_value", "message.click.payload": "click_value", "message.badge": "badge",
	"message.sound": "sound", "message.ext": "ext", "message.show_window": "show_begin", "message.show_begin": "show_begin",
	"message.show_end": "show_end", "message.wifi_only": "wifi_only", "message.ios": "ios_subtitle", "message.ios.sound": "ios_sound",
	"message.ios.subtitle": "ios_subtitle", "message.ios.thread_id": "ios_thread_id", "message.ios.collapse_id": "ios_collapse_id",
	"message.ios.mutable_content": "ios_mutable_content", "message.android.channel_id": "android_channel_id",
	"message.mx": "mx_strategy", "message.mx.distribution_strategy": "mx_strategy", "message.mx.ospush_sequence": "mx_sequence",
	"message.wecom": "wecom_safe", "message.wecom.safe": "wecom_safe", "message.wecom.enable_id_trans": "wecom_id_trans",
	"message.wecom.duplicate_check_interval": "wecom_dup_interval", "message.wecom.btntxt": "wecom_btntxt",
	"options.speed": "speed", "options.ttl_seconds": "ttl_seconds", "options.error_threshold": "error_threshold",
	"options.timezone": "timezone", "options.local_time": "local_time", "options.duplicate_check": "wecom_dup_check", "schedule_at": "schedule_at",
}
