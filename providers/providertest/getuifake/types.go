package getuifake

import "encoding/json"

// The request bodies as GeTui documents them (its REST v2 reference, Java
// SDK DTOs). They are decoded with DisallowUnknownFields, so a misspelt or
// invented field is refused with 20001 like a wrong type.

// PushBody is the common push body (PushDTO).
type PushBody struct {
	RequestID   string          `json:"request_id"`
	GroupName   string          `json:"group_name"`
	TaskName    string          `json:"task_name"`
	Settings    *Settings       `json:"settings"`
	Audience    json.RawMessage `json:"audience"`
	PushMessage *PushMessage    `json:"push_message"`
	PushChannel *PushChannel    `json:"push_channel"`
}

// Audience is the object form of PushBody.Audience.
type Audience struct {
	CID           []string    `json:"cid"`
	Alias         []string    `json:"alias"`
	Tag           []Condition `json:"tag"`
	FastCustomTag *string     `json:"fast_custom_tag"`
}

// Condition is one /push/tag clause.
type Condition struct {
	Key     string   `json:"key"`
	Values  []string `json:"values"`
	OptType string   `json:"opt_type"`
}

// Settings is PushBody.settings.
type Settings struct {
	TTL                *int64         `json:"ttl"`
	Strategy           map[string]int `json:"strategy"`
	Speed              *int           `json:"speed"`
	ScheduleTime       *int64         `json:"schedule_time"`
	CustomCallback     string         `json:"custom_callback"`
	FilterNotifyOff    *bool          `json:"filter_notify_off"`
	ActiveDays         *int           `json:"active_days"`
	NeedBackup         *bool          `json:"need_backup"`
	ActivateFilterDay  *int           `json:"activate_filter_day"`
	ActivateFilterType *int           `json:"activate_filter_type"`
	Lst                *int64         `json:"lst"`
	ActivePush         *bool          `json:"active_push"`
	ActivePushPlatform []int          `json:"active_push_platform"`
}

// PushMessage is the GeTui-channel message.
type PushMessage struct {
	NetworkType  *int          `json:"network_type"`
	Duration     string        `json:"duration"`
	Notification *Notification `json:"notification"`
	Transmission *string       `json:"transmission"`
	Revoke       *Revoke       `json:"revoke"`
}

// Notification is push_message.notification (GTNotification).
type Notification struct {
	Title             string          `json:"title"`
	Body              string          `json:"body"`
	BigText           string          `json:"big_text"`
	BigImage          string          `json:"big_image"`
	Logo              string          `json:"logo"`
	LogoURL           string          `json:"logo_url"`
	ChannelID         string          `json:"channel_id"`
	ChannelName       string          `json:"channel_name"`
	ChannelLevel      json.RawMessage `json:"channel_level"` // int in docs, string in Java
	ClickType         string          `json:"click_type"`
	Intent            string          `json:"intent"`
	URL               string          `json:"url"`
	Payload           string          `json:"payload"`
	NotifyID          json.RawMessage `json:"notify_id"` // int in docs, string in Java
	RingName          string          `json:"ring_name"`
	BadgeAddNum       *int            `json:"badge_add_num"`
	ThreadID          string          `json:"thread_id"`
	RedisplayFreq     *int            `json:"redisplay_freq"`
	RedisplayDuration *int            `json:"redisplay_duration"`
	Category          string          `json:"category"`
	SlotType          *int            `json:"slot_type"`
	Want              string          `json:"want"`
}

// Revoke withdraws an earlier GeTui-channel message.
type Revoke struct {
	OldTaskID string `json:"old_task_id"`
	Force     bool   `json:"force"`
}

// PushChannel is the vendor-channel message (APNs and Android vendors).
type PushChannel struct {
	IOS     *IOS            `json:"ios"`
	Android *Android        `json:"android"`
	Harmony json.RawMessage `json:"harmony"`
}

// IOS is push_channel.ios.
type IOS struct {
	Type           string       `json:"type"`
	Aps            *Aps         `json:"aps"`
	AutoBadge      string       `json:"auto_badge"`
	Payload        string       `json:"payload"`
	Multimedia     []Multimedia `json:"multimedia"`
	ApnsCollapseID string       `json:"apns-collapse-id"`
	LaID           string       `json:"laId"`
}

// Aps is APNs' aps dictionary as GeTui takes it.
type Aps struct {
	Alert            *Alert          `json:"alert"`
	ContentAvailable *int            `json:"content-available"`
	Sound            string          `json:"sound"`
	Category         string          `json:"category"`
	ThreadID         string          `json:"thread-id"`
	Timestamp        *int64          `json:"timestamp"`
	Event            string          `json:"event"`
	DismissalDate    *int64          `json:"dismissal-date"`
	ContentState     json.RawMessage `json:"content-state"`
}

// Alert is aps.alert.
type Alert struct {
	Title           string   `json:"title"`
	Body            string   `json:"body"`
	Subtitle        string   `json:"subtitle"`
	ActionLocKey    string   `json:"action-loc-key"`
	LocKey          string   `json:"loc-key"`
	LocArgs         []string `json:"loc-args"`
	LaunchImage     string   `json:"launch-image"`
	TitleLocKey     string   `json:"title-loc-key"`
	TitleLocArgs    []string `json:"title-loc-args"`
	SubtitleLocKey  string   `json:"subtitle-loc-key"`
	SubtitleLocArgs []string `json:"subtitle-loc-args"`
}

// Multimedia is one iOS rich-media attachment.
type Multimedia struct {
	URL      string `json:"url"`
	Type     int    `json:"type"`
	OnlyWifi bool   `json:"only_wifi"`
}

// Android is push_channel.android.
type Android struct {
	Ups *Ups `json:"ups"`
}

// Ups is the Android vendor-channel message.
type Ups struct {
	Notification *UpsNotification                      `json:"notification"`
	Transmission *string                               `json:"transmission"`
	Revoke       *Revoke                               `json:"revoke"`
	Options      map[string]map[string]json.RawMessage `json:"options"`
}

// UpsNotification is ups.notification (ThirdNotification).
type UpsNotification struct {
	Title     string `json:"title"`
	Body      string `json:"body"`
	ClickType string `json:"click_type"`
	Intent    string `json:"intent"`
	URL       string `json:"url"`
	Payload   string `json:"payload"`
	NotifyID  string `json:"notify_id"`
}

// ListBody is /push/list/cid and /push/list/alias.
type ListBody struct {
	Audience        Audience `json:"audience"`
	TaskID          string   `json:"taskid"`
	IsAsync         bool     `json:"is_async"`
	NeedAliasDetail bool     `json:"need_alias_detail"`
}

// BatchBody is /push/single/batch/cid and /alias.
type BatchBody struct {
	IsAsync bool              `json:"is_async"`
	MsgList []json.RawMessage `json:"msg_list"`
}
