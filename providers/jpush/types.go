package jpush

import "encoding/json"

// pushBody is the push object of POST /v3/push. platform is "all" or a list
// of platforms; audience is "all" or an audience object.
type pushBody struct {
	CID          string         `json:"cid,omitempty"`
	Platform     any            `json:"platform"`
	Audience     any            `json:"audience"`
	Notification *notification  `json:"notification,omitempty"`
	Message      *customMessage `json:"message,omitempty"`
	Options      pushOptions    `json:"options"`
}

// audience is the object form of pushBody.audience; its keys are ANDed.
type audience struct {
	Tag            []string `json:"tag,omitempty"`
	TagAnd         []string `json:"tag_and,omitempty"`
	TagNot         []string `json:"tag_not,omitempty"`
	Alias          []string `json:"alias,omitempty"`
	RegistrationID []string `json:"registration_id,omitempty"`
}

// notification is the displayed notification, per platform.
type notification struct {
	Android *androidNotification `json:"android,omitempty"`
	IOS     *iosNotification     `json:"ios,omitempty"`
}

// androidNotification is notification.android. style 1 shows big_text,
// style 3 big_pic_path.
type androidNotification struct {
	Alert      string          `json:"alert"`
	Title      string          `json:"title,omitempty"`
	BuilderID  int             `json:"builder_id,omitempty"`
	ChannelID  string          `json:"channel_id,omitempty"`
	Style      int             `json:"style,omitempty"`
	BigText    string          `json:"big_text,omitempty"`
	BigPicPath string          `json:"big_pic_path,omitempty"`
	Sound      string          `json:"sound,omitempty"`
	Intent     *intent         `json:"intent,omitempty"`
	Extras     json.RawMessage `json:"extras,omitempty"`
}

// intent is where a tap leads: an intent URI, a deep link or a web URL.
type intent struct {
	URL string `json:"url"`
}

// iosNotification is notification.ios; APNs keys keep Apple's hyphens.
type iosNotification struct {
	Alert            iosAlert        `json:"alert"`
	Sound            string          `json:"sound,omitempty"`
	Badge            *int            `json:"badge,omitempty"`
	ThreadID         string          `json:"thread-id,omitempty"`
	ContentAvailable bool            `json:"content-available,omitempty"`
	MutableContent   bool            `json:"mutable-content,omitempty"`
	Extras           json.RawMessage `json:"extras,omitempty"`
}

type iosAlert struct {
	Title    string `json:"title,omitempty"`
	Subtitle string `json:"subtitle,omitempty"`
	Body     string `json:"body"`
}

// customMessage is the custom (pass-through) message, not displayed.
type customMessage struct {
	MsgContent string          `json:"msg_content"`
	Title      string          `json:"title,omitempty"`
	Extras     json.RawMessage `json:"extras,omitempty"`
}

// pushOptions is the push object's options. apns_production is always
// sent: JPush's default differs between its SDKs and the API.
type pushOptions struct {
	SendNo            int                        `json:"sendno"`
	TimeToLive        *int                       `json:"time_to_live,omitempty"`
	APNSProduction    bool                       `json:"apns_production"`
	APNSCollapseID    string                     `json:"apns_collapse_id,omitempty"`
	BigPushDuration   int                        `json:"big_push_duration,omitempty"`
	ThirdPartyChannel map[string]json.RawMessage `json:"third_party_channel,omitempty"`
}

// pushAnswer is the answer of a push. JPush writes both as strings.
type pushAnswer struct {
	SendNo string `json:"sendno"`
	MsgID  string `json:"msg_id"`
}
