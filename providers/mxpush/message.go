package mxpush

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// MX message types (message.type): a displayed text or image, or cmd, a
// command delivered to the app without display.
const (
	mxText  = "text"
	mxImage = "image"
	mxCmd   = "cmd"
)

// Android click actions (click_action): open an intent, or the app.
const (
	clickIntent  = "intent"
	clickOpenApp = "open_app"
)

// buildMessage maps the provider-neutral message to "message". What MX push
// cannot express is refused rather than dropped; TTL, WifiOnly, Speed and
// Group have no MX field and are pacing/reporting concerns of the engine.
func buildMessage(m providers.Message) (notifyMessage, error) {
	nm := notifyMessage{Title: m.Title, Body: m.Body, BigText: m.BigText}
	switch m.Type {
	case providers.TypeNotification, providers.TypeLink:
		nm.Type = mxText
	case providers.TypeImage:
		nm.Type = mxImage
		if m.ImageURL == "" {
			return nm, invalid("an image message needs an image URL")
		}
	case providers.TypeTransmission:
		nm.Type = mxCmd
	default:
		return nm, invalid("message type %q is not supported (notification, image, transmission, link)", m.Type)
	}
	if m.ImageURL != "" {
		if err := checkImageURL(m.ImageURL); err != nil {
			return nm, err
		}
		nm.AttachmentURL = m.ImageURL
	}
	// MX push treats an empty badge as "+1"; the neutral contract says nil
	// leaves the badge unchanged, which MX expresses as adding zero.
	nm.Badge = "+0"
	if m.Badge != nil {
		nm.Badge = strconv.Itoa(*m.Badge)
	}
	ext, err := buildExt(m.Ext)
	if err != nil {
		return nm, err
	}
	nm.Ext = ext
	if err := setShowTimes(&nm, m); err != nil {
		return nm, err
	}
	nm.IOS = buildIOS(m)
	action, intent, err := clickFor(&nm, m)
	if err != nil {
		return nm, err
	}
	nm.Android = buildAndroid(m, action, intent)
	if err := applyVendors(&nm, m.Vendor); err != nil {
		return nm, err
	}
	return nm, nil
}

// checkImageURL applies the server's rule: an image attachment must end in
// jpg, jpeg or png (it also refuses images over 1 MB, 12002).
func checkImageURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("image URL %q must be an http(s) URL", raw)
	}
	lower := strings.ToLower(raw)
	for _, ext := range []string{".jpg", ".jpeg", ".png"} {
		if strings.HasSuffix(lower, ext) {
			return nil
		}
	}
	return invalid("image URL %q must end in .jpg, .jpeg or .png (MX push accepts no other image type)", raw)
}

// buildExt checks that ext is a JSON object; null or empty sends none.
func buildExt(raw json.RawMessage) (json.RawMessage, error) {
	d := bytes.TrimSpace(raw)
	if len(d) == 0 || string(d) == "null" {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if d[0] != '{' || json.Unmarshal(d, &obj) != nil {
		return nil, invalid("ext must be a JSON object")
	}
	return d, nil
}

// setShowTimes sets show_begin_time/show_end_time in epoch seconds.
func setShowTimes(nm *notifyMessage, m providers.Message) error {
	if !m.ShowBegin.IsZero() {
		nm.ShowBeginTime = m.ShowBegin.Unix()
	}
	if !m.ShowEnd.IsZero() {
		nm.ShowEndTime = m.ShowEnd.Unix()
		if nm.ShowBeginTime != 0 && nm.ShowEndTime <= nm.ShowBeginTime {
			return invalid("show end time must be after the show begin time")
		}
	}
	return nil
}

// buildIOS maps Message.IOS (and the neutral sound) to "ios".
func buildIOS(m providers.Message) *iosOptions {
	o := iosOptions{
		Sound:            m.Sound,
		ContentAvailable: m.IOS.ContentAvailable,
		MutableContent:   m.IOS.MutableContent,
		ThreadID:         m.IOS.ThreadID,
		Subtitle:         m.IOS.Subtitle,
		APNsCollapseID:   m.IOS.CollapseID,
	}
	if m.IOS.Sound != "" {
		o.Sound = m.IOS.Sound
	}
	if o == (iosOptions{}) {
		return nil
	}
	return &o
}

// buildAndroid maps the channel id, sound and click to "android".
func buildAndroid(m providers.Message, action, intent string) *vendorOptions {
	o := vendorOptions{Sound: m.Sound, ChannelID: m.Android.ChannelID, ClickAction: action, Intent: intent}
	if o == (vendorOptions{}) {
		return nil
	}
	return &o
}

// clickFor turns the click into Android's click_action and intent. MX push
// has no URL action: a URL (type link, or click action url) is sent as an
// intent URI with the VIEW action, the form the "intent" field takes
// (Intent.parseUri opens it in the browser). The ios block has no click
// field. A transmission (cmd) is not displayed, so only its payload matters:
// it becomes the body when the body is empty.
func clickFor(nm *notifyMessage, m providers.Message) (string, string, error) {
	c := m.Click
	if m.Type == providers.TypeTransmission {
		switch c.Action {
		case "", providers.ClickNone, providers.ClickStartApp:
			return "", "", nil
		case providers.ClickPayload:
			if nm.Body != "" && c.Payload != "" && nm.Body != c.Payload {
				return "", "", invalid("a transmission carries either a body or a click payload, not both")
			}
			if nm.Body == "" {
				nm.Body = c.Payload
			}
			return "", "", nil
		}
		return "", "", invalid("click action %q does not apply to a transmission", c.Action)
	}
	if m.Type == providers.TypeLink {
		if c.URL == "" || (c.Action != "" && c.Action != providers.ClickURL) {
			return "", "", invalid("a link message needs click action url with a URL")
		}
		c.Action = providers.ClickURL
	}
	switch c.Action {
	case "", providers.ClickNone:
		return "", "", nil
	case providers.ClickStartApp:
		return clickOpenApp, "", nil
	case providers.ClickIntent:
		if c.Intent == "" {
			return "", "", invalid("click action intent needs an intent")
		}
		return clickIntent, c.Intent, nil
	case providers.ClickURL:
		in, err := viewIntent(c.URL)
		if err != nil {
			return "", "", err
		}
		return clickIntent, in, nil
	}
	return "", "", invalid("click action %q is not supported for a displayed MX push message", c.Action)
}

// viewIntent renders an http(s) URL as an Android intent URI:
// intent://host/path?query#Intent;scheme=https;action=android.intent.action.VIEW;end
func viewIntent(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", invalid("click URL %q must be an http(s) URL", raw)
	}
	if p, bad := clickURLProblem(raw); bad {
		return "", refusal(p)
	}
	s := "intent://" + u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s + "#Intent;scheme=" + u.Scheme + ";action=android.intent.action.VIEW;end", nil
}
