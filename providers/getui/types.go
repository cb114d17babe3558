package getui

import "encoding/json"

// pushBody is GeTui's common push body (PushDTO).
// audience is an object, or the string "all" for /push/all, and is absent
// from /push/list/message.
type pushBody struct {
	RequestID   string       `json:"request_id,omitempty"`
	GroupName   string       `json:"group_name,omitempty"`
	Settings    *settings    `json:"settings,omitempty"`
	Audience    any          `json:"audience,omitempty"`
	PushMessage *pushMessage `json:"push_message"`
	PushChannel *pushChannel `json:"push_channel,omitempty"`
}

// audience is the object form of pushBody.audience.
type audience struct {
	CID   []string    `json:"cid,omitempty"`
	Alias []string    `json:"alias,omitempty"`
	Tag   []condition `json:"tag,omitempty"`
}

// condition is one /push/tag clause: opt_type combines the values of key.
type condition struct {
	Key     string   `json:"key"`
	Values  []string `json:"values"`
	OptType string   `json:"opt_type"`
}

// settings. ttl is in milliseconds.
type settings struct {
	TTL      int64          `json:"ttl,omitempty"`
	Strategy map[string]int `json:"strategy,omitempty"`
	Speed    int            `json:"speed,omitempty"`
}

// pushMessage is the GeTui-channel message: exactly one of notification
// and transmission.
type pushMessage struct {
	NetworkType  int           `json:"network_type,omitempty"`
	Duration     string        `json:"duration,omitempty"`
	Notification *notification `json:"notification,omitempty"`
	Transmission string        `json:"transmission,omitempty"`
}

// notification is push_message.notification (GTNotification).
type notification struct {
	Title       string `json:"title"`
	Body        string `json:"body"`
	BigText     string `json:"big_text,omitempty"`
	BigImage    string `json:"big_image,omitempty"`
	ChannelID   string `json:"channel_id,omitempty"`
	ClickType   string `json:"click_type"`
	Intent      string `json:"intent,omitempty"`
	URL         string `json:"url,omitempty"`
	Payload     string `json:"payload,omitempty"`
	RingName    string `json:"ring_name,omitempty"`
	BadgeAddNum int    `json:"badge_add_num,omitempty"`
}

// pushChannel is the vendor-channel message: what iOS (APNs) and the
// Android vendors' own channels show when the GeTui channel is offline.
type pushChannel struct {
	IOS     *iosChannel     `json:"ios,omitempty"`
	Android *androidChannel `json:"android,omitempty"`
}

// iosChannel is push_channel.ios; APNs keys keep Apple's hyphenated names.
type iosChannel struct {
	Type           string       `json:"type"`
	Aps            *aps         `json:"aps,omitempty"`
	AutoBadge      string       `json:"auto_badge,omitempty"`
	Payload        string       `json:"payload,omitempty"`
	Multimedia     []multimedia `json:"multimedia,omitempty"`
	ApnsCollapseID string       `json:"apns-collapse-id,omitempty"`
}

type aps struct {
	Alert            *alert `json:"alert,omitempty"`
	ContentAvailable int    `json:"content-available"`
	Sound            string `json:"sound,omitempty"`
	ThreadID         string `json:"thread-id,omitempty"`
}

type alert struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Subtitle string `json:"subtitle,omitempty"`
}

type multimedia struct {
	URL      string `json:"url"`
	Type     int    `json:"type"`
	OnlyWifi bool   `json:"only_wifi"`
}

type androidChannel struct {
	Ups *ups `json:"ups"`
}

// ups is push_channel.android.ups: notification or transmission, plus
// per-vendor options keyed by constraint (HW, XM, ...).
type ups struct {
	Notification *upsNotification                      `json:"notification,omitempty"`
	Transmission string                                `json:"transmission,omitempty"`
	Options      map[string]map[string]json.RawMessage `json:"options,omitempty"`
}

type upsNotification struct {
	Title     string `json:"title"`
	Body      string `json:"body"`
	ClickType string `json:"click_type"`
	Intent    string `json:"intent,omitempty"`
	URL       string `json:"url,omitempty"`
	Payload   string `json:"payload,omitempty"`
}

// listBody is the body of /push/list/cid and /push/list/alias.
type listBody struct {
	Audience        audience `json:"audience"`
	TaskID          string   `json:"taskid"`
	IsAsync         bool     `json:"is_async"`
	NeedAliasDetail *bool    `json:"need_alias_detail,omitempty"`
}

// batchBody is the body of /push/single/batch/cid and /alias.
type batchBody struct {
	IsAsync bool       `json:"is_async"`
	MsgList []pushBody `json:"msg_list"`
}

// taskData is the data of list/message, push/all and push/tag.
type taskData struct {
	TaskID string `json:"taskid"`
}

// statusData is the data of single, batch and list pushes:
// taskid → recipient → status.
type statusData map[string]map[string]string
