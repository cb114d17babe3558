package fcm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// Keys of the data payload the client fills itself; an ext key equal to
// one of them is refused by Check.
const (
	// DataPayload carries a transmission's body, or a notification's
	// click payload.
	DataPayload = "payload"
	// DataURL carries a link's (or a click's) URL: FCM's notification has
	// no URL of its own on Android and iOS.
	DataURL = "url"
)

// maxDataBytes is FCM's limit on the data payload, keys and values
// together; maxTopicDataBytes applies to messages to topics.
const (
	maxDataBytes      = 4096
	maxTopicDataBytes = 2048
)

// buildMessage turns the engine's message into the v1 Message every
// recipient of the request gets, without its target. The request id is the
// collapse key, the Android notification tag and the apns-collapse-id: FCM
// has no idempotency key, so a message sent again after an answer was lost
// replaces the shown notification instead of adding a second one.
func buildMessage(m providers.Message, requestID string) (*message, error) {
	data, err := flattenExt(m.Ext)
	if err != nil {
		return nil, err
	}
	out := &message{
		Android: &androidConfig{CollapseKey: requestID, Priority: androidPriority(m.Options)},
		APNS:    &apnsConfig{Headers: map[string]string{"apns-collapse-id": requestID}},
	}
	if m.TTL > 0 {
		out.Android.TTL = strconv.FormatInt(int64(m.TTL/time.Second), 10) + "s"
		out.APNS.Headers["apns-expiration"] = strconv.FormatInt(time.Now().Add(m.TTL).Unix(), 10)
	}
	if label := m.Options.String(OptAnalyticsLabel); label != "" {
		out.FCMOptions = &fcmOptions{AnalyticsLabel: label}
	}
	setData := func(k, v string) {
		if v == "" {
			return
		}
		if data == nil {
			data = map[string]string{}
		}
		data[k] = v
	}
	switch m.Type {
	case providers.TypeTransmission:
		// A data message: the app handles it, nothing is shown. APNs takes
		// it only as a background push at normal priority.
		setData(DataPayload, m.Body)
		out.APNS.Headers["apns-priority"] = "5"
		out.APNS.Headers["apns-push-type"] = "background"
		out.APNS.Payload = &apnsPayload{APS: aps{ContentAvailable: 1}}
	case providers.TypeNotification, providers.TypeLink, providers.TypeImage:
		out.Notification = &notification{Title: m.Title, Body: m.Body, Image: m.ImageURL}
		an := &androidNotification{ChannelID: m.Android.ChannelID, Tag: requestID, Sound: m.Sound, NotificationCount: m.Badge}
		out.Android.Notification = an
		a := aps{Badge: m.Badge, Sound: m.Sound}
		if m.ImageURL != "" {
			a.MutableContent = 1 // iOS shows an image only through a notification service extension
		}
		out.APNS.Payload = &apnsPayload{APS: a}
		switch m.Click.Action {
		case providers.ClickURL:
			setData(DataURL, m.Click.URL)
		case providers.ClickIntent:
			an.ClickAction = m.Click.Intent
		case providers.ClickPayload:
			setData(DataPayload, m.Click.Payload)
		}
		if m.Type == providers.TypeLink && data[DataURL] == "" {
			return nil, refuse("a link message needs a click URL")
		}
		if m.Type == providers.TypeImage && m.ImageURL == "" {
			return nil, refuse("an image message needs an image URL")
		}
	default:
		return nil, refuse(fmt.Sprintf("message type %q is not supported by FCM", m.Type))
	}
	out.Data = data
	return out, nil
}

// flattenExt turns the ext JSON object into FCM's string map: strings
// as they are, every other value as its JSON text (the app parses it).
func flattenExt(ext json.RawMessage) (map[string]string, error) {
	t := bytes.TrimSpace(ext)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(t, &obj); err != nil {
		return nil, refuse("ext must be a JSON object")
	}
	if len(obj) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		out[k] = string(bytes.TrimSpace(v))
	}
	return out, nil
}

// dataBytes is the data payload's size as FCM counts it: keys and values.
func dataBytes(d map[string]string) int {
	n := 0
	for k, v := range d {
		n += len(k) + len(v)
	}
	return n
}

// reservedKey reports whether FCM refuses a data key: "from",
// "message_type", and anything starting with "google." or "gcm.".
func reservedKey(k string) bool {
	return k == "from" || k == "message_type" || strings.HasPrefix(k, "google.") || strings.HasPrefix(k, "gcm.")
}

func androidPriority(o providers.Options) string {
	switch o.String(OptAndroidPriority) {
	case "high":
		return "HIGH"
	case "normal":
		return "NORMAL"
	}
	return ""
}
