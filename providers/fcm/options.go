package fcm

import (
	"fmt"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// The message.options FCM declares.
const (
	// OptSendAsTopic sends a tag audience to the FCM topics of the same
	// names (one request; FCM resolves the subscribers) instead of refusing
	// it: FCM topics are the app's subscriptions, not pushdeck's tags, so
	// the operator says they are the same thing.
	OptSendAsTopic = "send_as_topic"
	// OptTopicMatch is whether a device needs any (||) or all (&&) of the
	// topics; any is what a tag audience means elsewhere.
	OptTopicMatch = "topic_match"
	// OptAndroidPriority is android.priority (high wakes a dozing device).
	OptAndroidPriority = "android_priority"
	// OptAnalyticsLabel is fcm_options.analytics_label.
	OptAnalyticsLabel = "analytics_label"
)

// MaxTopics is the most topics one FCM condition may name.
const MaxTopics = 5

// maxAnalyticsLabel is FCM's limit on analytics_label.
const maxAnalyticsLabel = 50

func optionFields() []providers.OptionField {
	return []providers.OptionField{
		{Name: OptSendAsTopic, Type: providers.OptionBool, Label: "fcm.option.send_as_topic", Help: "fcm.option.send_as_topic_help"},
		{Name: OptTopicMatch, Type: providers.OptionChoice, Label: "fcm.option.topic_match", Help: "fcm.option.topic_match_help", Choices: []string{"any", "all"}},
		{Name: OptAndroidPriority, Type: providers.OptionChoice, Label: "fcm.option.android_priority", Help: "fcm.option.android_priority_help", Choices: []string{"high", "normal"}},
		{Name: OptAnalyticsLabel, Type: providers.OptionString, Label: "fcm.option.analytics_label", Help: "fcm.option.analytics_label_help", Max: maxAnalyticsLabel},
	}
}

// check applies FCM's own message rules: the data payload (ext plus what
// the client adds) within FCM's size, no reserved or client-owned keys,
// and an analytics label of FCM's characters.
func check(m providers.Message) []providers.Problem {
	var out []providers.Problem
	data, err := flattenExt(m.Ext)
	if err != nil {
		return []providers.Problem{{Field: providers.FieldExt, MsgID: "fcm.err.ext_object"}}
	}
	for k := range data {
		switch {
		case reservedKey(k):
			out = append(out, providers.Problem{Field: providers.FieldExt, MsgID: "fcm.err.reserved_key", Args: map[string]any{"Key": k}})
		case k == DataPayload || k == DataURL:
			out = append(out, providers.Problem{Field: providers.FieldExt, MsgID: "fcm.err.client_key", Args: map[string]any{"Key": k}})
		}
	}
	size := dataBytes(data) + len(m.Click.URL) + len(m.Click.Payload)
	if m.Type == providers.TypeTransmission {
		size += len(DataPayload) + len(m.Body)
	}
	limit := maxDataBytes
	if m.Options.Bool(OptSendAsTopic) {
		limit = maxTopicDataBytes
	}
	if size > limit {
		out = append(out, providers.Problem{Field: providers.FieldExt, MsgID: "fcm.err.data_too_big", Args: map[string]any{"Max": limit}})
	}
	if l := m.Options.String(OptAnalyticsLabel); l != "" && !topicChars(l) {
		out = append(out, providers.Problem{Field: "message.options." + OptAnalyticsLabel, MsgID: "fcm.err.label_chars"})
	}
	return out
}

// checkTags is the rule of a tag audience: FCM's topics are the app's
// subscriptions, not pushdeck's device tags, so tags go to topics only
// when the operator says so (devices pushdeck knows by their tags are
// reached through a segment), and only tags that can be topics.
func checkTags(tags []string, m providers.Message) []providers.Problem {
	if !m.Options.Bool(OptSendAsTopic) {
		return []providers.Problem{{Field: "message.options." + OptSendAsTopic, MsgID: "fcm.err.topic_needs_option"}}
	}
	return checkTopics(tags)
}

// checkTopics refuses tags that cannot be FCM topics.
func checkTopics(tags []string) []providers.Problem {
	if len(tags) > MaxTopics {
		return []providers.Problem{{Field: "audience.values", MsgID: "fcm.err.too_many_topics", Args: map[string]any{"Max": MaxTopics}}}
	}
	for _, t := range tags {
		if !topicChars(t) {
			return []providers.Problem{{Field: "audience.values", MsgID: "fcm.err.topic_chars", Args: map[string]any{"Topic": t}}}
		}
	}
	return nil
}

// topicChars reports whether s is made of FCM's topic characters
// [a-zA-Z0-9-_.~%], which the analytics label shares.
func topicChars(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || r == '.' || r == '~' || r == '%' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// topicTarget addresses a tag audience as FCM topics: one topic by name,
// several as a condition ('a' in topics || 'b' in topics, or && when the
// operator asked for all). A tag audience is refused unless the operator
// chose send_as_topic.
func topicTarget(tags []string, o providers.Options, msg *message) error {
	if !o.Bool(OptSendAsTopic) {
		return refuse("a tag audience is sent to FCM topics only when the send_as_topic option is on")
	}
	if len(tags) == 0 {
		return refuse("a tag audience needs at least one tag")
	}
	if ps := checkTopics(tags); len(ps) > 0 {
		return refuse(fmt.Sprintf("tags %q cannot be sent as FCM topics (at most %d, of [a-zA-Z0-9-_.~%%])", tags, MaxTopics))
	}
	if len(tags) == 1 {
		msg.Topic = tags[0]
		return nil
	}
	op := " || "
	if o.String(OptTopicMatch) == "all" {
		op = " && "
	}
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = "'" + t + "' in topics" // topicChars excludes quotes: nothing can break out
	}
	msg.Condition = strings.Join(parts, op)
	return nil
}
