package jpush

import (
	"bytes"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// Limits of one push object, declared in Capabilities and enforced before
// any call.
const (
	// MaxTags is the most tags of one tag (or tag_and, tag_not) list.
	MaxTags = 20
	// MaxIDs is the most aliases or registration ids of one push.
	MaxIDs = 1000
	// MaxTagBytes bounds one tag or alias (UTF-8 bytes).
	MaxTagBytes = 40
	// maxContentBytes bounds the texts of one push together (title, body,
	// big text, click target and extras): JPush refuses a notification
	// and message over 4,000 bytes (1005); the rest is the JSON around them.
	maxContentBytes = 3600
	// MaxBigPushMinutes is the longest big_push_duration.
	MaxBigPushMinutes = 1400
	// maxTTL is JPush's longest offline retention (10 days).
	maxTTL = 10 * 24 * time.Hour
	// maxBuilderID bounds a notification builder id; the app defines them.
	maxBuilderID = 1000
)

// Names of the JPush settings a message may carry in Message.Options.
const (
	OptPlatform        = "platform"
	OptAPNSProduction  = "apns_production"
	OptBigPushDuration = "big_push_duration"
	OptBuilderID       = "builder_id"
)

// Platform choices: every platform, or one.
var platformChoices = [...]string{"all", "android", "ios"}

// Capabilities declares JPush's native audiences (all, tag, alias and
// registration id lists), message types, limits and settings.
//
// A conditions audience is not declared native: the engine resolves
// conditions (and segments) from pushdeck's own registry, which is exact,
// into registration id lists. JPush's tag / tag_and / tag_not could carry
// a tree of tag clauses only, and never region or phone type.
func Capabilities() providers.Capabilities {
	return providers.Capabilities{
		Name: "JPush",
		// No display window, wifi-only flag or speed hint (big_push_duration
		// is a setting of its own); the iOS block takes mutable-content.
		Fields: []string{providers.FieldBigText, providers.FieldImageURL, providers.FieldBadge,
			providers.FieldSound, providers.FieldExt, providers.FieldIOS, providers.FieldMutableContent,
			providers.FieldAndroidChannel, providers.FieldVendor, providers.FieldTTL},
		// options.third_party_channel keys.
		VendorKeys: []string{"xiaomi", "huawei", "honor", "meizu", "oppo", "vivo", "fcm"},
		// The Android style shows a big text or a big picture, not both.
		BigTextNoImage: true,
		// A tap opens the app, a URL or an intent; a payload travels in
		// extras, not as a tap action.
		NoPayloadClick: true,
		TextLimits:     textLimits(),
		Audiences: map[providers.AudienceKind]int{
			providers.AudienceAll:   0,
			providers.AudienceTag:   MaxTags,
			providers.AudienceAlias: MaxIDs,
			providers.AudienceCID:   MaxIDs,
		},
		MessageTypes: []providers.MessageType{
			providers.TypeNotification, providers.TypeTransmission, providers.TypeLink, providers.TypeImage,
		},
		// JPush's ordinary app quota is 600 calls a minute; the answers'
		// X-Rate-Limit headers say when it is spent.
		RequestsPerSecond: 10,
		// A repeated cid is answered, not pushed, for a day from its issue
		// (cid.go). That is a window, not a forever-id: the engine stops
		// retrying a batch past it rather than risk a second push.
		Idempotency:  providers.IdempotencyDedupeWindow,
		DedupeWindow: cidLife - poolFresh,
		Options:      optionFields(),
		Check:        check,
	}
}

// optionFields declares JPush's own settings; labels and help are catalog
// ids (web/i18n/locales/jpush.*.json).
func optionFields() []providers.OptionField {
	return []providers.OptionField{
		{Name: OptPlatform, Type: providers.OptionChoice, Choices: platformChoices[:],
			ChoiceLabels: []string{"jpush.platform.all", "jpush.platform.android", "jpush.platform.ios"},
			Label:        "jpush.opt.platform", Help: "jpush.opt.platform_help"},
		{Name: OptAPNSProduction, Type: providers.OptionBool,
			Label: "jpush.opt.apns_production", Help: "jpush.opt.apns_production_help"},
		{Name: OptBigPushDuration, Type: providers.OptionInt, Min: 0, Max: MaxBigPushMinutes,
			Label: "jpush.opt.big_push_duration", Help: "jpush.opt.big_push_duration_help"},
		{Name: OptBuilderID, Type: providers.OptionInt, Min: 0, Max: maxBuilderID,
			Label: "jpush.opt.builder_id", Help: "jpush.opt.builder_id_help"},
	}
}

// textLimits are JPush's per-field bounds in bytes; the texts together are
// bounded too (check).
func textLimits() map[providers.MessageType]providers.TextLimits {
	shown := providers.TextLimits{Bytes: true, Title: 1000, Body: maxContentBytes, BigText: maxContentBytes, Intent: 1000, Payload: 1000}
	return providers.MobileTextLimits(shown, maxContentBytes)
}

// check applies what the declarations cannot say: the texts of one push
// together stay under JPush's size limit.
func check(m providers.Message) []providers.Problem {
	if n := contentBytes(m); n > maxContentBytes {
		return []providers.Problem{{Field: "message.body", MsgID: "jpush.err.content_too_long",
			Args: map[string]any{"Max": maxContentBytes, "Size": n}}}
	}
	return nil
}

// contentBytes is the size of the texts a push carries; a notification
// carries its extras twice (Android and iOS).
func contentBytes(m providers.Message) int {
	n := len(m.Title) + len(m.Body) + len(m.BigText) + len(m.IOS.Subtitle)
	n += len(m.Click.URL) + len(m.Click.Intent) + len(m.Click.Payload)
	ext := len(bytes.TrimSpace(m.Ext))
	if m.Type != providers.TypeTransmission {
		ext *= 2
	}
	return n + ext
}
