package fcmfake

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// The v1 Message resource as the fake decodes it, unknown fields refused.

type sendBody struct {
	ValidateOnly bool     `json:"validate_only"`
	Message      *message `json:"message"`
}

type message struct {
	Name         string            `json:"name"`
	Data         map[string]string `json:"data"`
	Notification *notification     `json:"notification"`
	Android      *android          `json:"android"`
	Webpush      json.RawMessage   `json:"webpush"`
	APNS         *apns             `json:"apns"`
	FCMOptions   *fcmOptions       `json:"fcm_options"`
	Token        string            `json:"token"`
	Topic        string            `json:"topic"`
	Condition    string            `json:"condition"`
}

type notification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	Image string `json:"image"`
}

type android struct {
	CollapseKey           string               `json:"collapse_key"`
	Priority              string               `json:"priority"`
	TTL                   string               `json:"ttl"`
	RestrictedPackageName string               `json:"restricted_package_name"`
	Data                  map[string]string    `json:"data"`
	Notification          *androidNotification `json:"notification"`
	FCMOptions            *fcmOptions          `json:"fcm_options"`
	DirectBootOK          bool                 `json:"direct_boot_ok"`
}

type androidNotification struct {
	Title                 string   `json:"title"`
	Body                  string   `json:"body"`
	Icon                  string   `json:"icon"`
	Color                 string   `json:"color"`
	Sound                 string   `json:"sound"`
	Tag                   string   `json:"tag"`
	ClickAction           string   `json:"click_action"`
	BodyLocKey            string   `json:"body_loc_key"`
	BodyLocArgs           []string `json:"body_loc_args"`
	TitleLocKey           string   `json:"title_loc_key"`
	TitleLocArgs          []string `json:"title_loc_args"`
	ChannelID             string   `json:"channel_id"`
	Ticker                string   `json:"ticker"`
	Sticky                bool     `json:"sticky"`
	EventTime             string   `json:"event_time"`
	LocalOnly             bool     `json:"local_only"`
	NotificationPriority  string   `json:"notification_priority"`
	DefaultSound          bool     `json:"default_sound"`
	DefaultVibrateTimings bool     `json:"default_vibrate_timings"`
	DefaultLightSettings  bool     `json:"default_light_settings"`
	VibrateTimings        []string `json:"vibrate_timings"`
	Visibility            string   `json:"visibility"`
	NotificationCount     *int     `json:"notification_count"`
	Image                 string   `json:"image"`
}

type apns struct {
	Headers    map[string]string          `json:"headers"`
	Payload    map[string]json.RawMessage `json:"payload"`
	FCMOptions *struct {
		AnalyticsLabel string `json:"analytics_label"`
		Image          string `json:"image"`
	} `json:"fcm_options"`
}

type fcmOptions struct {
	AnalyticsLabel string `json:"analytics_label"`
}

// Limits and patterns of the v1 API.
const (
	maxData      = 4096
	maxTopicData = 2048
	maxTopics    = 5
	maxTTLSecs   = 28 * 24 * 3600
	maxTokenLen  = 4096
)

var (
	topicRE = regexp.MustCompile(`^[a-zA-Z0-9\-_.~%]+$`)
	labelRE = regexp.MustCompile(`^[a-zA-Z0-9\-_.~%]{1,50}$`)
	ttlRE   = regexp.MustCompile(`^([0-9]+)(\.[0-9]{1,9})?s$`)
	// condRE is one lexeme of a condition: a topic test, an operator or
	// a parenthesis, with spaces around.
	condRE = regexp.MustCompile(`^\s*(?:'([a-zA-Z0-9\-_.~%]+)' in topics|&&|\|\||!|\(|\))`)
)

// tokenChars reports whether tok is one or more of [A-Za-z0-9_:.-], the
// characters of a registration token. It is checked on every request, so
// by hand: a regular expression cost more than the rest of the check.
func tokenChars(tok string) bool {
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-'
		if !ok {
			return false
		}
	}
	return tok != ""
}

// violation is one refused field: its path and why.
type violation struct{ field, why string }

// validate checks a message as FCM does; the first violation is answered.
func validate(m *message) *violation {
	targets := 0
	for _, t := range []string{m.Token, m.Topic, m.Condition} {
		if t != "" {
			targets++
		}
	}
	if targets != 1 {
		return &violation{"message", "exactly one of token, topic and condition must be set"}
	}
	if m.Topic != "" && !topicRE.MatchString(strings.TrimPrefix(m.Topic, "/topics/")) {
		return &violation{"message.topic", "Invalid topic name " + m.Topic}
	}
	if m.Condition != "" {
		if why := checkCondition(m.Condition); why != "" {
			return &violation{"message.condition", why}
		}
	}
	limit := maxData
	if m.Token == "" {
		limit = maxTopicData
	}
	if v := checkData("message.data", m.Data, limit); v != nil {
		return v
	}
	if n := m.Notification; n != nil && n.Image != "" && !httpURL(n.Image) {
		return &violation{"message.notification.image", "must be an http(s) URL"}
	}
	if v := checkAndroid(m.Android); v != nil {
		return v
	}
	if v := checkAPNS(m.APNS); v != nil {
		return v
	}
	if o := m.FCMOptions; o != nil && o.AnalyticsLabel != "" && !labelRE.MatchString(o.AnalyticsLabel) {
		return &violation{"message.fcm_options.analytics_label", "must match ^[a-zA-Z0-9-_.~%]{1,50}$"}
	}
	return nil
}

func checkData(field string, d map[string]string, limit int) *violation {
	n := 0
	for k, v := range d {
		if k == "from" || k == "message_type" || strings.HasPrefix(k, "google.") || strings.HasPrefix(k, "gcm.") {
			return &violation{field, fmt.Sprintf("Invalid data key %q: reserved", k)}
		}
		n += len(k) + len(v)
	}
	if n > limit {
		return &violation{field, fmt.Sprintf("Message is too big: data is %d bytes, at most %d", n, limit)}
	}
	return nil
}

func checkAndroid(a *android) *violation {
	if a == nil {
		return nil
	}
	switch a.Priority {
	case "", "NORMAL", "HIGH", "normal", "high":
	default:
		return &violation{"message.android.priority", "Invalid value " + a.Priority}
	}
	if a.TTL != "" {
		m := ttlRE.FindStringSubmatch(a.TTL)
		if m == nil {
			return &violation{"message.android.ttl", "Invalid duration format " + a.TTL}
		}
		if secs, err := strconv.Atoi(m[1]); err != nil || secs > maxTTLSecs {
			return &violation{"message.android.ttl", "TTL longer than 4 weeks"}
		}
	}
	if v := checkData("message.android.data", a.Data, maxData); v != nil {
		return v
	}
	if n := a.Notification; n != nil {
		if n.Image != "" && !httpURL(n.Image) {
			return &violation{"message.android.notification.image", "must be an http(s) URL"}
		}
		if n.NotificationCount != nil && *n.NotificationCount < 0 {
			return &violation{"message.android.notification.notification_count", "must not be negative"}
		}
	}
	return nil
}

func checkAPNS(a *apns) *violation {
	if a == nil {
		return nil
	}
	for k, v := range a.Headers {
		switch strings.ToLower(k) {
		case "apns-priority":
			if v != "5" && v != "10" && v != "1" {
				return &violation{"message.apns.headers", "apns-priority must be 1, 5 or 10"}
			}
		case "apns-collapse-id":
			if len(v) > 64 {
				return &violation{"message.apns.headers", "apns-collapse-id is longer than 64 bytes"}
			}
		case "apns-expiration":
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return &violation{"message.apns.headers", "apns-expiration must be a UNIX time"}
			}
		case "apns-push-type":
			switch v {
			case "alert", "background", "voip", "complication", "fileprovider", "mdm", "liveactivity":
			default:
				return &violation{"message.apns.headers", "unknown apns-push-type " + v}
			}
		}
	}
	if raw, ok := a.Payload["aps"]; ok {
		var aps map[string]json.RawMessage
		if err := json.Unmarshal(raw, &aps); err != nil {
			return &violation{"message.apns.payload", "aps must be an object"}
		}
	}
	return nil
}

// checkCondition accepts topic tests joined by && and || (with ! and
// parentheses) naming at most five topics.
func checkCondition(c string) string {
	topics, rest := 0, c
	for strings.TrimSpace(rest) != "" {
		m := condRE.FindStringSubmatchIndex(rest)
		if m == nil {
			return "Invalid condition expression: " + c
		}
		if m[2] >= 0 {
			topics++
		}
		rest = rest[m[1]:]
	}
	if topics == 0 {
		return "Invalid condition expression: no topic"
	}
	if topics > maxTopics {
		return fmt.Sprintf("Invalid condition expression: %d topics, at most %d", topics, maxTopics)
	}
	return ""
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
