package mxpush

import "encoding/json"

// Wire types of the MX push (MaxIM / Lanying IM) server API. Field names
// are the server's own ("发推送通知" /push/notify, "查询推送统计结果"
// /push/task/detail), as its swagger (PushNotifyRequest, Setting,
// PushMessage, TaskDetail) names them: the server decodes strictly.

// envelope is every response: {"code": 200, "data": …, "message": null}.
type envelope struct {
	Code    int             `json:"code"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
}

// notifyRequest is the body of POST /push/notify.
type notifyRequest struct {
	// Audience is the string "all" or an *audienceList with one list set.
	Audience any            `json:"audience"`
	Setting  *notifySetting `json:"setting,omitempty"`
	Message  notifyMessage  `json:"message"`
}

// audienceList is the object form of the audience; exactly one field is
// set. user_id values are integers on the wire ({"user_id":[111,222]}).
type audienceList struct {
	Tag       []string `json:"tag,omitempty"`
	Alias     []string `json:"alias,omitempty"`
	UserID    []int64  `json:"user_id,omitempty"`
	PushToken []string `json:"push_token,omitempty"`
}

// notifySetting is "setting" (singular on the wire).
type notifySetting struct {
	RequestID            string   `json:"request_id,omitempty"`
	DistributionStrategy string   `json:"distribution_strategy,omitempty"`
	OSPushSequence       []string `json:"ospush_sequence,omitempty"`
}

// notifyMessage is "message".
type notifyMessage struct {
	Type          string          `json:"type"`
	Title         string          `json:"title,omitempty"`
	Body          string          `json:"body,omitempty"`
	AttachmentURL string          `json:"attachment_url,omitempty"`
	BigText       string          `json:"big_text,omitempty"`
	Badge         string          `json:"badge,omitempty"`
	Ext           json.RawMessage `json:"ext,omitempty"`
	ShowBeginTime int64           `json:"show_begin_time,omitempty"`
	ShowEndTime   int64           `json:"show_end_time,omitempty"`
	IOS           *iosOptions     `json:"ios,omitempty"`
	Android       *vendorOptions  `json:"android,omitempty"`
	Huawei        *huaweiOptions  `json:"huawei,omitempty"`
	Xiaomi        *vendorOptions  `json:"xiaomi,omitempty"`
	OPPO          *vendorOptions  `json:"oppo,omitempty"`
	VIVO          *vivoOptions    `json:"vivo,omitempty"`
	Flyme         *vendorOptions  `json:"flyme,omitempty"`
	FCM           *vendorOptions  `json:"fcm,omitempty"`
}

// iosOptions is "ios": APNs keys. (The server's own field descriptions
// of ios and android are swapped; the keys show which is which.)
type iosOptions struct {
	Sound            string `json:"sound,omitempty"`
	ContentAvailable bool   `json:"content_available,omitempty"`
	MutableContent   bool   `json:"mutable_content,omitempty"`
	Category         string `json:"category,omitempty"`
	ThreadID         string `json:"thread_id,omitempty"`
	Subtitle         string `json:"subtitle,omitempty"`
	APNsCollapseID   string `json:"apns_collapse_id,omitempty"`
}

// vendorOptions is "android" and the xiaomi, oppo, flyme and fcm blocks,
// which share these four fields.
type vendorOptions struct {
	Sound       string `json:"sound,omitempty"`
	ChannelID   string `json:"channel_id,omitempty"`
	ClickAction string `json:"click_action,omitempty"`
	Intent      string `json:"intent,omitempty"`
}

// huaweiOptions adds badge_class.
type huaweiOptions struct {
	vendorOptions
	BadgeClass string `json:"badge_class,omitempty"`
}

// vivoOptions adds push_mode (0 production, 1 test) and classification
// (0 operations, 1 system). Pointers keep an explicit 0.
type vivoOptions struct {
	vendorOptions
	PushMode       *int `json:"push_mode,omitempty"`
	Classification *int `json:"classification,omitempty"`
}

// notifyResult is the swagger's data of /push/notify ("推送结果").
type notifyResult struct {
	TaskID int64 `json:"task_id"`
}

// taskDetailRequest is the body of POST /push/task/detail.
type taskDetailRequest struct {
	List []int64 `json:"list"`
}

// taskDetail is one element of /push/task/detail's data.
type taskDetail struct {
	TaskID         int64 `json:"task_id"`
	APNsTarget     int64 `json:"apns_target"`
	APNsSent       int64 `json:"apns_sent"`
	APNsReceived   int64 `json:"apns_received"`
	FCMTarget      int64 `json:"fcm_target"`
	FCMSent        int64 `json:"fcm_sent"`
	FCMReceived    int64 `json:"fcm_received"`
	FlymeTarget    int64 `json:"flyme_target"`
	FlymeSent      int64 `json:"flyme_sent"`
	FlymeReceived  int64 `json:"flyme_received"`
	HuaweiTarget   int64 `json:"huawei_target"`
	HuaweiSent     int64 `json:"huawei_sent"`
	HuaweiReceived int64 `json:"huawei_received"`
	MXPushTarget   int64 `json:"mxpush_target"`
	MXPushSent     int64 `json:"mxpush_sent"`
	MXPushReceived int64 `json:"mxpush_received"`
	OPPOTarget     int64 `json:"oppo_target"`
	OPPOSent       int64 `json:"oppo_sent"`
	OPPOReceived   int64 `json:"oppo_received"`
	VIVOTarget     int64 `json:"vivo_target"`
	VIVOSent       int64 `json:"vivo_sent"`
	VIVOReceived   int64 `json:"vivo_received"`
	XiaomiTarget   int64 `json:"xiaomi_target"`
	XiaomiSent     int64 `json:"xiaomi_sent"`
	XiaomiReceived int64 `json:"xiaomi_received"`
}

// notifierDto is /push/certificate's data (swagger NotifierDto).
type notifierDto struct {
	AppID       string `json:"app_id"`
	AppKey      string `json:"app_key"`
	AppSecret   string `json:"app_secret"`
	Certificate string `json:"certificate"`
	Name        string `json:"name"`
}
