package apns

import (
	"github.com/pushdeck/pushdeck/providers"
)

// Kind names the APNs protocol (the `kind` of a provider account).
const Kind providers.Kind = "apns"

// MaxRecipients is the largest engine batch: APNs takes one device per
// request, so the figure only sizes how much work one Send carries (and
// how much one lease covers), not a protocol limit. 500 keeps a batch
// within a second or two at the concurrency below.
const MaxRecipients = 500

// maxStreams bounds the requests one client has in flight, shared by
// every Send of the account. APNs advertises its concurrent-stream limit
// per connection (low at first, up to 1000 once a token is accepted); past
// it Go's transport dials more connections, a burst Apple asks providers
// not to make. An account's rate is about maxStreams over the round trip
// to Apple: 250 streams at 12 ms is 20,000 notifications a second. More
// streams cost CPU on both ends for every notification (on loopback, 1000
// streams took about 15 % more CPU per recipient than 250, and 500 forced
// a second connection to a server allowing 250), and hold more goroutines.
const maxStreams = 250

// requestsPerSecond is the declared default engine rate (batches of up to
// MaxRecipients a second). Apple publishes no per-provider rate; it
// answers 429 TooManyRequests only for a flood to one device. 40 batches
// a second is 20,000 notifications, which the adaptive rate raises when
// nothing pushes back.
const requestsPerSecond = 40

// Option names in message.options: APNs settings the message model has
// no field for.
const (
	OptCategory          = "category"
	OptInterruptionLevel = "interruption_level"
	OptTargetContentID   = "target_content_id"
)

// interruptionLevels are the aps interruption-level values, the default
// first; "critical" needs an entitlement Apple grants per app.
func interruptionLevels() []string {
	return []string{"active", "passive", "time-sensitive", "critical"}
}

// Capabilities declares list sends by device token, the two message types
// an APNs payload can be (a displayed alert, or a silent background push
// for pushdeck's transmission) and the fields an aps dictionary carries.
func Capabilities() providers.Capabilities {
	shown := providers.TextLimits{Bytes: true, Title: maxTextBytes, Body: maxTextBytes}
	return providers.Capabilities{
		Name: "Apple Push Notification service",
		Audiences: map[providers.AudienceKind]int{
			providers.AudienceCID:       MaxRecipients,
			providers.AudiencePushToken: MaxRecipients,
		},
		MessageTypes:      []providers.MessageType{providers.TypeNotification, providers.TypeTransmission},
		RequestsPerSecond: requestsPerSecond,
		// APNs has no idempotency key: apns-id is only echoed back, and a
		// repeated request is delivered again. The client sends every
		// attempt with the same apns-collapse-id, so a repeat replaces
		// the notification on the device instead of adding a second one,
		// but that is not de-duplication and the engine must not treat it
		// as such.
		Idempotency: providers.IdempotencyNone,
		Fields: []string{providers.FieldBadge, providers.FieldSound, providers.FieldExt, providers.FieldIOS,
			providers.FieldMutableContent, providers.FieldTTL},
		TextLimits: map[providers.MessageType]providers.TextLimits{
			providers.TypeNotification: shown,
			providers.TypeTransmission: {Bytes: true, Body: maxTextBytes},
		},
		Options: []providers.OptionField{
			{Name: OptCategory, Type: providers.OptionString, Max: 64,
				Label: "apns.option.category", Help: "apns.option.category_help"},
			{Name: OptInterruptionLevel, Type: providers.OptionChoice, Choices: interruptionLevels(),
				Label: "apns.option.interruption_level", Help: "apns.option.interruption_level_help"},
			{Name: OptTargetContentID, Type: providers.OptionString, Max: 64,
				Label: "apns.option.target_content_id", Help: "apns.option.target_content_id_help"},
		},
		Check: checkMessage,
	}
}

// Spec returns the registry entry for the apns kind.
func Spec() providers.Spec {
	return providers.Spec{
		Kind:           Kind,
		New:            New,
		Capabilities:   Capabilities(),
		Fields:         credentialFields(),
		DefaultBaseURL: ProductionURL,
	}
}
