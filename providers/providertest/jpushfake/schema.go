package jpushfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// The push object as JPush documents it; unknown keys are refused (1009).
type pushObject struct {
	CID          string          `json:"cid"`
	Platform     json.RawMessage `json:"platform"`
	Audience     json.RawMessage `json:"audience"`
	Notification json.RawMessage `json:"notification"`
	Message      json.RawMessage `json:"message"`
	Options      *optionsObject  `json:"options"`
	Callback     json.RawMessage `json:"callback"`
}

type audienceObject struct {
	Tag            []string `json:"tag"`
	TagAnd         []string `json:"tag_and"`
	TagNot         []string `json:"tag_not"`
	Alias          []string `json:"alias"`
	RegistrationID []string `json:"registration_id"`
	Segment        []string `json:"segment"`
	ABTest         []string `json:"abtest"`
}

type notificationObject struct {
	Alert    *string         `json:"alert"`
	Android  *androidObject  `json:"android"`
	IOS      *iosObject      `json:"ios"`
	HMOS     json.RawMessage `json:"hmos"`
	QuickApp json.RawMessage `json:"quickapp"`
	VoIP     map[string]any  `json:"voip"`
	WinPhone map[string]any  `json:"winphone"`
}

type intentObject struct {
	URL string `json:"url"`
}

type androidObject struct {
	Alert             *string        `json:"alert"`
	Title             string         `json:"title"`
	BuilderID         int            `json:"builder_id"`
	ChannelID         string         `json:"channel_id"`
	Category          string         `json:"category"`
	Priority          int            `json:"priority"`
	Style             int            `json:"style"`
	AlertType         int            `json:"alert_type"`
	BigText           string         `json:"big_text"`
	Inbox             map[string]any `json:"inbox"`
	BigPicPath        string         `json:"big_pic_path"`
	LargeIcon         string         `json:"large_icon"`
	SmallIconURI      string         `json:"small_icon_uri"`
	Intent            *intentObject  `json:"intent"`
	URIActivity       string         `json:"uri_activity"`
	URIAction         string         `json:"uri_action"`
	BadgeAddNum       int            `json:"badge_add_num"`
	BadgeSetNum       int            `json:"badge_set_num"`
	BadgeClass        string         `json:"badge_class"`
	Sound             string         `json:"sound"`
	ShowBeginTime     string         `json:"show_begin_time"`
	ShowEndTime       string         `json:"show_end_time"`
	DisplayForeground string         `json:"display_foreground"`
	Extras            map[string]any `json:"extras"`
}

type iosObject struct {
	Alert             json.RawMessage `json:"alert"`
	Sound             json.RawMessage `json:"sound"`
	Badge             json.RawMessage `json:"badge"`
	ContentAvailable  bool            `json:"content-available"`
	MutableContent    bool            `json:"mutable-content"`
	Category          string          `json:"category"`
	Extras            map[string]any  `json:"extras"`
	ThreadID          string          `json:"thread-id"`
	InterruptionLevel string          `json:"interruption-level"`
}

type iosAlertObject struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	Body     string `json:"body"`
}

type messageObject struct {
	MsgContent  *string        `json:"msg_content"`
	Title       string         `json:"title"`
	ContentType string         `json:"content_type"`
	Extras      map[string]any `json:"extras"`
}

type optionsObject struct {
	SendNo            int                        `json:"sendno"`
	TimeToLive        *int                       `json:"time_to_live"`
	OverrideMsgID     int64                      `json:"override_msg_id"`
	APNSProduction    bool                       `json:"apns_production"`
	APNSCollapseID    string                     `json:"apns_collapse_id"`
	BigPushDuration   int                        `json:"big_push_duration"`
	ThirdPartyChannel map[string]json.RawMessage `json:"third_party_channel"`
	Classification    int                        `json:"classification"`
}

// Documented limits.
const (
	maxTags         = 20
	maxIDs          = 1000
	maxTagBytes     = 40
	maxTTLSecs      = 10 * 24 * 3600
	maxBigPush      = 1400
	maxCollapseID   = 64
	maxContentBytes = 4000
)

// vendors are the third_party_channel keys.
var vendors = [...]string{"xiaomi", "huawei", "honor", "meizu", "oppo", "vivo", "fcm"}

// badRequest is a refusal with JPush's code.
type badRequest struct {
	status, code int
	msg          string
}

func (b *badRequest) Error() string { return b.msg }

func refuse(code int, msg string) *badRequest {
	return &badRequest{status: http.StatusBadRequest, code: code, msg: msg}
}

// strict decodes raw into v, refusing unknown keys (1009) and wrong types
// (1003).
func strict(raw []byte, v any, what string) *badRequest {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	err := d.Decode(v)
	if err == nil && d.More() {
		err = errors.New("trailing data")
	}
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "unknown field"):
		return refuse(1009, what+": "+err.Error())
	}
	return refuse(1003, what+": "+err.Error())
}

// checkPlatform checks platform: "all" or a list of known platforms.
func checkPlatform(raw json.RawMessage) *badRequest {
	if len(raw) == 0 {
		return refuse(1002, "platform is required")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s != "all" {
			return refuse(1003, "platform must be \"all\" or a list")
		}
		return nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return refuse(1003, "platform must be \"all\" or a list")
	}
	for _, p := range list {
		if !slices.Contains([]string{"android", "ios", "quickapp", "hmos"}, p) {
			return refuse(1003, "unknown platform "+p)
		}
	}
	return nil
}
