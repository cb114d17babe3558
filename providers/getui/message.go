package getui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// maxTTL is GeTui's longest offline retention (3 days).
const maxTTL = 72 * time.Hour

// vendorConstraint maps a providers.Message.Vendor key to the constraint
// naming it in push_channel.android.ups.options. FCM's constraint is not in
// the reference excerpts [I].
func vendorConstraint(vendor string) (string, bool) {
	switch vendor {
	case "huawei":
		return "HW", true
	case "xiaomi":
		return "XM", true
	case "oppo":
		return "OP", true
	case "vivo":
		return "VV", true
	case "flyme":
		return "MZ", true
	case "honor":
		return "HO", true
	case "fcm":
		return "FCM", true
	}
	return "", false
}

// buildBody maps a message onto the common push body (without request_id
// and audience). It refuses, before any call, what GeTui cannot carry.
func buildBody(m providers.Message) (pushBody, error) {
	var b pushBody
	if m.Group != "" && !validName(m.Group, 100) {
		return b, permanent("group_name", "group must be at most 100 of [0-9A-Za-z_-], got %q", m.Group)
	}
	if m.IOS.MutableContent {
		// GeTui's iOS DTO has no mutable-content key (it sets it itself
		// for multimedia); refuse rather than drop it silently.
		return b, permanent("ios", "ios mutable_content is not supported by GeTui; use an image message")
	}
	if m.Badge != nil && *m.Badge < 0 {
		return b, permanent("badge", "badge must not be negative")
	}
	b.GroupName = m.Group
	s, err := buildSettings(m)
	if err != nil {
		return b, err
	}
	b.Settings = s
	pm := &pushMessage{}
	if m.WifiOnly {
		pm.NetworkType = 1
	}
	if pm.Duration, err = duration(m); err != nil {
		return b, err
	}
	ext, err := compactExt(m.Ext)
	if err != nil {
		return b, err
	}
	opts, err := vendorOptions(m.Vendor)
	if err != nil {
		return b, err
	}
	b.PushMessage = pm
	if m.Type == providers.TypeTransmission {
		return b, buildTransmission(&b, m, ext, opts)
	}
	return b, buildNotification(&b, m, ext, opts)
}

func buildSettings(m providers.Message) (*settings, error) {
	// iOS notifications never show on the GeTui channel: vendor first
	// (4), as in the reference example; everything else uses the default.
	s := &settings{Strategy: map[string]int{"default": 1, "ios": 4}}
	switch {
	case m.TTL < 0:
		s.TTL = -1 // no offline retention
	case m.TTL > maxTTL:
		return nil, permanent("ttl", "ttl %s exceeds GeTui's 3 days", m.TTL)
	case m.TTL > 0:
		s.TTL = m.TTL.Milliseconds()
	}
	if m.Speed < 0 {
		return nil, permanent("speed", "speed must not be negative")
	}
	s.Speed = m.Speed
	return s, nil
}

// duration formats the show window as "startMs-endMs".
func duration(m providers.Message) (string, error) {
	if m.ShowBegin.IsZero() && m.ShowEnd.IsZero() {
		return "", nil
	}
	if m.ShowBegin.IsZero() || m.ShowEnd.IsZero() || !m.ShowEnd.After(m.ShowBegin) {
		return "", permanent("duration", "show window needs a begin before its end")
	}
	return fmt.Sprintf("%d-%d", m.ShowBegin.UnixMilli(), m.ShowEnd.UnixMilli()), nil
}

// compactExt checks Ext is a JSON object and returns it compacted.
func compactExt(ext json.RawMessage) (string, error) {
	t := bytes.TrimSpace(ext)
	if len(t) == 0 || string(t) == "null" {
		return "", nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(t, &obj); err != nil {
		return "", permanent("ext", "ext must be a JSON object")
	}
	if len(obj) == 0 {
		return "", nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, t); err != nil {
		return "", permanent("ext", "ext must be a JSON object")
	}
	return buf.String(), nil
}

// vendorOptions maps Message.Vendor onto ups.options.
func vendorOptions(v map[string]json.RawMessage) (map[string]map[string]json.RawMessage, error) {
	if len(v) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make(map[string]map[string]json.RawMessage, len(v))
	for _, name := range names {
		c, ok := vendorConstraint(name)
		if !ok {
			return nil, permanent("vendor", "unknown vendor %q", name)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(v[name], &obj); err != nil || obj == nil {
			return nil, permanent("vendor", "vendor %q options must be a JSON object", name)
		}
		out[c] = obj
	}
	return out, nil
}

// buildTransmission fills a pass-through message: Body is the payload, or
// Ext when Body is empty.
func buildTransmission(b *pushBody, m providers.Message, ext string, opts map[string]map[string]json.RawMessage) error {
	payload := m.Body
	if payload == "" {
		payload = ext
	}
	if payload == "" {
		return permanent("transmission", "a transmission needs a body or ext payload")
	}
	b.PushMessage.Transmission = payload
	ios := &iosChannel{Type: "notify", Aps: &aps{ContentAvailable: 1, Sound: iosSound(m)}, Payload: payload,
		ApnsCollapseID: m.IOS.CollapseID}
	ios.Aps.ThreadID = m.IOS.ThreadID
	if m.Badge != nil {
		ios.AutoBadge = strconv.Itoa(*m.Badge)
	}
	b.PushChannel = &pushChannel{
		IOS:     ios,
		Android: &androidChannel{Ups: &ups{Transmission: payload, Options: opts}},
	}
	return nil
}

// buildNotification fills notification, link and image messages on the
// GeTui channel, APNs and the Android vendor channels.
func buildNotification(b *pushBody, m providers.Message, ext string, opts map[string]map[string]json.RawMessage) error {
	ck, err := resolveClick(m)
	if err != nil {
		return err
	}
	if m.Type == providers.TypeImage && m.ImageURL == "" {
		return permanent("image_url", "an image message needs image_url")
	}
	if m.BigText != "" && m.ImageURL != "" {
		return permanent("big_text", "big_text and an image are exclusive on GeTui")
	}
	n := &notification{
		Title: m.Title, Body: m.Body, BigText: m.BigText, BigImage: m.ImageURL,
		ChannelID: m.Android.ChannelID, ClickType: ck.Action,
		Intent: ck.Intent, URL: ck.URL, Payload: ck.Payload, RingName: m.Sound,
	}
	if m.Badge != nil && *m.Badge > 0 {
		n.BadgeAddNum = *m.Badge // badge_add_num must be > 0
	}
	b.PushMessage.Notification = n
	ios := &iosChannel{
		Type: "notify",
		Aps: &aps{Alert: &alert{Title: m.Title, Body: m.Body, Subtitle: m.IOS.Subtitle},
			Sound: iosSound(m), ThreadID: m.IOS.ThreadID},
		Payload:        ext,
		ApnsCollapseID: m.IOS.CollapseID,
	}
	if m.IOS.ContentAvailable {
		ios.Aps.ContentAvailable = 1
	}
	if m.Badge != nil {
		ios.AutoBadge = strconv.Itoa(*m.Badge)
	}
	if m.ImageURL != "" {
		ios.Multimedia = []multimedia{{URL: m.ImageURL, Type: 1}}
	}
	un := &upsNotification{Title: m.Title, Body: m.Body, ClickType: ck.Action,
		Intent: ck.Intent, URL: ck.URL, Payload: ck.Payload}
	b.PushChannel = &pushChannel{IOS: ios, Android: &androidChannel{Ups: &ups{Notification: un, Options: opts}}}
	return nil
}

func iosSound(m providers.Message) string {
	if m.IOS.Sound != "" {
		return m.IOS.Sound
	}
	return m.Sound
}

// resolveClick checks the click action and the field it needs. No action
// opens the app (a link opens its URL).
func resolveClick(m providers.Message) (providers.Click, error) {
	ck := m.Click
	if ck.Action == "" {
		ck.Action = providers.ClickStartApp
		if m.Type == providers.TypeLink {
			ck.Action = providers.ClickURL
		}
	}
	if m.Type == providers.TypeLink && ck.Action != providers.ClickURL {
		return ck, permanent("click_type", "a link message opens a URL, not %q", ck.Action)
	}
	need := map[string]string{providers.ClickURL: ck.URL, providers.ClickIntent: ck.Intent, providers.ClickPayload: ck.Payload}
	switch ck.Action {
	case providers.ClickNone, providers.ClickStartApp:
		ck.URL, ck.Intent, ck.Payload = "", "", ""
	case providers.ClickURL, providers.ClickIntent, providers.ClickPayload:
		if need[ck.Action] == "" {
			return ck, permanent("click_type", "click action %q needs its %s", ck.Action, ck.Action)
		}
		// Send only the field the action uses.
		keep := need[ck.Action]
		ck.URL, ck.Intent, ck.Payload = "", "", ""
		switch ck.Action {
		case providers.ClickURL:
			ck.URL = keep
		case providers.ClickIntent:
			ck.Intent = keep
		default:
			ck.Payload = keep
		}
	default:
		return ck, permanent("click_type", "unknown click action %q", ck.Action)
	}
	return ck, nil
}
