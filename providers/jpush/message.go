package jpush

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// permanent builds a Permanent error for a request the client refuses
// before any call.
func permanent(code, format string, args ...any) *providers.Error {
	return &providers.Error{Class: providers.Permanent, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// sendNo derives the push's sendno from its request id, so every attempt
// of a batch carries the same one (JPush echoes it; it is not a key).
func sendNo(requestID string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(requestID)) // a hash's Write never fails
	return int(h.Sum32() & 0x7fffffff)
}

// buildBody maps a message onto the push object, without cid and audience.
// It refuses, before any call, what JPush cannot carry.
func buildBody(m providers.Message, requestID string) (pushBody, error) {
	var b pushBody
	if ps := providers.CheckOptions(optionFields(), m.Options); len(ps) > 0 {
		return b, permanent("options", "%s %s", ps[0].Field, ps[0].MsgID)
	}
	platform := m.Options.String(OptPlatform)
	switch platform {
	case "", "all":
		platform, b.Platform = "all", "all"
	default:
		b.Platform = []string{platform}
	}
	opts, err := buildOptions(m, requestID)
	if err != nil {
		return b, err
	}
	b.Options = opts
	ext, err := extras(m.Ext)
	if err != nil {
		return b, err
	}
	if m.Type == providers.TypeTransmission {
		content := m.Body
		if content == "" {
			content = string(ext)
		}
		if content == "" {
			return b, permanent("message", "a transmission needs a body or ext payload")
		}
		b.Message = &customMessage{MsgContent: content, Title: m.Title, Extras: ext}
		return b, nil
	}
	n, err := buildNotification(m, platform, ext)
	if err != nil {
		return b, err
	}
	b.Notification = n
	return b, nil
}

// buildOptions fills options: sendno, time_to_live from the campaign's TTL
// (negative: online devices only), the APNs and pacing settings, and the
// per-vendor overrides as third_party_channel.
func buildOptions(m providers.Message, requestID string) (pushOptions, error) {
	o := pushOptions{
		SendNo:          sendNo(requestID),
		APNSProduction:  m.Options.Bool(OptAPNSProduction),
		APNSCollapseID:  m.IOS.CollapseID,
		BigPushDuration: m.Options.Int(OptBigPushDuration),
	}
	switch {
	case m.TTL < 0:
		zero := 0
		o.TimeToLive = &zero
	case m.TTL > maxTTL:
		return o, permanent("time_to_live", "ttl %s exceeds JPush's 10 days", m.TTL)
	case m.TTL > 0:
		secs := int((m.TTL + time.Second - 1) / time.Second)
		o.TimeToLive = &secs
	}
	if len(m.IOS.CollapseID) > 64 {
		return o, permanent("apns_collapse_id", "apns_collapse_id is over 64 bytes")
	}
	keys := Capabilities().VendorKeys
	for name, raw := range m.Vendor {
		if !slices.Contains(keys, name) {
			return o, permanent("third_party_channel", "unknown vendor %q", name)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return o, permanent("third_party_channel", "vendor %q options must be a JSON object", name)
		}
		if o.ThirdPartyChannel == nil {
			o.ThirdPartyChannel = make(map[string]json.RawMessage, len(m.Vendor))
		}
		o.ThirdPartyChannel[name] = raw
	}
	return o, nil
}

// extras checks Ext is a JSON object and returns it compacted (nil when
// empty).
func extras(ext json.RawMessage) (json.RawMessage, error) {
	t := bytes.TrimSpace(ext)
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(t, &obj); err != nil || obj == nil {
		return nil, permanent("extras", "ext must be a JSON object")
	}
	if len(obj) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, t); err != nil {
		return nil, permanent("extras", "ext must be a JSON object")
	}
	return buf.Bytes(), nil
}

// buildNotification fills the Android and iOS blocks of the chosen
// platforms for notification, link and image messages.
func buildNotification(m providers.Message, platform string, ext json.RawMessage) (*notification, error) {
	target, err := clickTarget(m)
	if err != nil {
		return nil, err
	}
	if m.Badge != nil && *m.Badge < 0 {
		return nil, permanent("badge", "badge must not be negative")
	}
	if m.Type == providers.TypeImage && m.ImageURL == "" {
		return nil, permanent("big_pic_path", "an image message needs image_url")
	}
	if m.BigText != "" && m.ImageURL != "" {
		return nil, permanent("style", "big_text and an image are exclusive on JPush")
	}
	n := &notification{}
	if platform == "all" || platform == "android" {
		a := &androidNotification{Alert: m.Body, Title: m.Title, BuilderID: m.Options.Int(OptBuilderID),
			ChannelID: m.Android.ChannelID, Sound: m.Sound, Extras: ext}
		switch {
		case m.BigText != "":
			a.Style, a.BigText = 1, m.BigText
		case m.ImageURL != "":
			a.Style, a.BigPicPath = 3, m.ImageURL
		}
		if target != "" {
			a.Intent = &intent{URL: target}
		}
		n.Android = a
	}
	if platform == "all" || platform == "ios" {
		sound := m.IOS.Sound
		if sound == "" {
			sound = m.Sound
		}
		n.IOS = &iosNotification{
			Alert: iosAlert{Title: m.Title, Subtitle: m.IOS.Subtitle, Body: m.Body},
			Sound: sound, Badge: m.Badge, ThreadID: m.IOS.ThreadID,
			ContentAvailable: m.IOS.ContentAvailable, MutableContent: m.IOS.MutableContent, Extras: ext,
		}
	}
	return n, nil
}

// clickTarget is the Android intent url of the tap action: the URL or the
// intent URI; empty opens the app, JPush's default.
func clickTarget(m providers.Message) (string, error) {
	ck := m.Click
	if m.Type == providers.TypeLink && ck.Action == "" {
		ck.Action = providers.ClickURL
	}
	switch ck.Action {
	case "", providers.ClickNone, providers.ClickStartApp:
		if m.Type == providers.TypeLink {
			return "", permanent("intent", "a link message opens a URL")
		}
		return "", nil
	case providers.ClickURL:
		if ck.URL == "" {
			return "", permanent("intent", "click action url needs its url")
		}
		return ck.URL, nil
	case providers.ClickIntent:
		if ck.Intent == "" {
			return "", permanent("intent", "click action intent needs its intent")
		}
		return ck.Intent, nil
	}
	return "", permanent("intent", "click action %q is not supported by JPush", ck.Action)
}
