package jpushfake

import (
	"encoding/json"
	"fmt"
	"slices"
)

// checkPush validates a push object as JPush does and returns it with its
// audience decoded (nil for "all").
func checkPush(body []byte) (pushObject, *audienceObject, *badRequest) {
	var p pushObject
	if bad := strict(body, &p, "push"); bad != nil {
		return p, nil, bad
	}
	if bad := checkPlatform(p.Platform); bad != nil {
		return p, nil, bad
	}
	aud, bad := checkAudience(p.Audience)
	if bad != nil {
		return p, nil, bad
	}
	if len(p.Notification) == 0 && len(p.Message) == 0 {
		return p, nil, refuse(1002, "notification or message is required")
	}
	if len(p.Notification)+len(p.Message) > maxContentBytes {
		return p, nil, refuse(1005, "Msg content too long")
	}
	if len(p.Notification) > 0 {
		if bad := checkNotification(p.Notification); bad != nil {
			return p, nil, bad
		}
	}
	if len(p.Message) > 0 {
		var m messageObject
		if bad := strict(p.Message, &m, "message"); bad != nil {
			return p, nil, bad
		}
		if m.MsgContent == nil {
			return p, nil, refuse(1002, "message.msg_content is required")
		}
	}
	if p.Options != nil {
		if bad := checkOptions(*p.Options); bad != nil {
			return p, nil, bad
		}
	}
	return p, aud, nil
}

// checkAudience reads "all" or an audience object within its limits.
func checkAudience(raw json.RawMessage) (*audienceObject, *badRequest) {
	if len(raw) == 0 {
		return nil, refuse(1002, "audience is required")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s != "all" {
			return nil, refuse(1003, "audience must be \"all\" or an object")
		}
		return nil, nil
	}
	var a audienceObject
	if bad := strict(raw, &a, "audience"); bad != nil {
		return nil, bad
	}
	lists := []struct {
		name     string
		vals     []string
		max, len int
	}{
		{"tag", a.Tag, maxTags, maxTagBytes}, {"tag_and", a.TagAnd, maxTags, maxTagBytes}, {"tag_not", a.TagNot, maxTags, maxTagBytes},
		{"alias", a.Alias, maxIDs, maxTagBytes}, {"registration_id", a.RegistrationID, maxIDs, 0},
	}
	targeted := false
	for _, l := range lists {
		if l.vals == nil {
			continue
		}
		if len(l.vals) == 0 || len(l.vals) > l.max {
			return nil, refuse(1003, fmt.Sprintf("audience.%s takes 1–%d values, got %d", l.name, l.max, len(l.vals)))
		}
		for _, v := range l.vals {
			if v == "" || (l.len > 0 && len(v) > l.len) {
				return nil, refuse(1003, fmt.Sprintf("audience.%s value %q is empty or too long", l.name, v))
			}
		}
		targeted = true
	}
	if !targeted && a.Segment == nil && a.ABTest == nil {
		return nil, refuse(1002, "audience has no target")
	}
	return &a, nil
}

func checkNotification(raw json.RawMessage) *badRequest {
	var n notificationObject
	if bad := strict(raw, &n, "notification"); bad != nil {
		return bad
	}
	if n.Android != nil {
		if n.Android.Alert == nil {
			return refuse(1002, "notification.android.alert is required")
		}
		if n.Android.Style < 0 || n.Android.Style > 3 {
			return refuse(1003, "notification.android.style must be 0–3")
		}
		if n.Android.Style == 1 && n.Android.BigText == "" {
			return refuse(1003, "notification.android.style 1 needs big_text")
		}
		if n.Android.Style == 3 && n.Android.BigPicPath == "" {
			return refuse(1003, "notification.android.style 3 needs big_pic_path")
		}
		if len(n.Android.ChannelID) > 1000 {
			return refuse(1003, "notification.android.channel_id is over 1000 bytes")
		}
	}
	if n.IOS != nil {
		if len(n.IOS.Alert) == 0 {
			return refuse(1002, "notification.ios.alert is required")
		}
		var s string
		if json.Unmarshal(n.IOS.Alert, &s) != nil {
			var a iosAlertObject
			if bad := strict(n.IOS.Alert, &a, "notification.ios.alert"); bad != nil {
				return bad
			}
		}
		if len(n.IOS.Badge) > 0 {
			var b int
			var bs string
			if json.Unmarshal(n.IOS.Badge, &b) != nil && json.Unmarshal(n.IOS.Badge, &bs) != nil {
				return refuse(1003, "notification.ios.badge must be a number or \"+n\"")
			}
		}
	}
	if n.Android == nil && n.IOS == nil && n.Alert == nil && n.HMOS == nil && n.QuickApp == nil && n.VoIP == nil && n.WinPhone == nil {
		return refuse(1002, "notification has no content")
	}
	return nil
}

func checkOptions(o optionsObject) *badRequest {
	switch {
	case o.TimeToLive != nil && (*o.TimeToLive < 0 || *o.TimeToLive > maxTTLSecs):
		return refuse(1003, "options.time_to_live must be 0–864000")
	case o.BigPushDuration < 0 || o.BigPushDuration > maxBigPush:
		return refuse(1003, "options.big_push_duration must be 0–1400")
	case len(o.APNSCollapseID) > maxCollapseID:
		return refuse(1003, "options.apns_collapse_id is over 64 bytes")
	case o.SendNo < 0:
		return refuse(1003, "options.sendno must not be negative")
	}
	for name, raw := range o.ThirdPartyChannel {
		if !slices.Contains(vendors[:], name) {
			return refuse(1003, "options.third_party_channel has unknown vendor "+name)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return refuse(1003, "options.third_party_channel."+name+" must be an object")
		}
	}
	return nil
}
