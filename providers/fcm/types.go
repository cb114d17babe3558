package fcm

// Request and answer bodies of projects.messages.send, field names as the
// v1 API's JSON writes them. Every optional field is omitted when empty so
// the body carries only what the message sets.

// sendRequest is the body of POST /v1/projects/{id}/messages:send.
type sendRequest struct {
	ValidateOnly bool     `json:"validate_only,omitempty"`
	Message      *message `json:"message"`
}

// message is the v1 Message; exactly one of Token, Topic and Condition.
type message struct {
	Token        string            `json:"token,omitempty"`
	Topic        string            `json:"topic,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Data         map[string]string `json:"data,omitempty"`
	Notification *notification     `json:"notification,omitempty"`
	Android      *androidConfig    `json:"android,omitempty"`
	APNS         *apnsConfig       `json:"apns,omitempty"`
	FCMOptions   *fcmOptions       `json:"fcm_options,omitempty"`
}

type notification struct {
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
	Image string `json:"image,omitempty"`
}

type androidConfig struct {
	CollapseKey string `json:"collapse_key,omitempty"`
	// Priority is NORMAL or HIGH.
	Priority string `json:"priority,omitempty"`
	// TTL is a protobuf Duration in JSON: seconds with an "s" ("3600s").
	TTL          string               `json:"ttl,omitempty"`
	Notification *androidNotification `json:"notification,omitempty"`
}

type androidNotification struct {
	ChannelID   string `json:"channel_id,omitempty"`
	ClickAction string `json:"click_action,omitempty"`
	// Tag replaces a shown notification with the same tag: set from the
	// request id, a repeated send replaces instead of adding one.
	Tag               string `json:"tag,omitempty"`
	Sound             string `json:"sound,omitempty"`
	NotificationCount *int   `json:"notification_count,omitempty"`
}

type apnsConfig struct {
	Headers map[string]string `json:"headers,omitempty"`
	Payload *apnsPayload      `json:"payload,omitempty"`
}

type apnsPayload struct {
	APS aps `json:"aps"`
}

type aps struct {
	Badge            *int   `json:"badge,omitempty"`
	Sound            string `json:"sound,omitempty"`
	ContentAvailable int    `json:"content-available,omitempty"`
	MutableContent   int    `json:"mutable-content,omitempty"`
}

type fcmOptions struct {
	AnalyticsLabel string `json:"analytics_label,omitempty"`
}

// sendResponse is a successful answer: the Message with its name,
// "projects/{id}/messages/{message_id}".
type sendResponse struct {
	Name string `json:"name"`
}

// errorBody is a failed answer: a google.rpc.Status under "error".
type errorBody struct {
	Error *rpcStatus `json:"error"`
}

type rpcStatus struct {
	Code    int      `json:"code"`
	Message string   `json:"message"`
	Status  string   `json:"status"`
	Details []detail `json:"details"`
}

// detail is one entry of Status.details: an FcmError (errorCode) or a
// google.rpc.BadRequest (fieldViolations), told apart by @type.
type detail struct {
	Type            string           `json:"@type"`
	ErrorCode       string           `json:"errorCode,omitempty"`
	FieldViolations []fieldViolation `json:"fieldViolations,omitempty"`
}

type fieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

// The @type values of Status.details the client reads.
const (
	typeFcmError   = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
	typeBadRequest = "type.googleapis.com/google.rpc.BadRequest"
)
