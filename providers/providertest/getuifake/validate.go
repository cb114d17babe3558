package getuifake

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits GeTui applies to push bodies.
const (
	maxList       = 1000
	maxBatch      = 200
	maxTags       = 100 // past it GeTui answers 30016; the number is not documented [I]
	maxTTL        = 3 * 24 * 3600 * 1000
	minShowWindow = 6 * time.Minute // the server's; one page of its docs says 10 min
)

// nameOK reports whether s is min..max characters of [0-9A-Za-z_-] (the
// rule of request_id and group_name).
func nameOK(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// badgeOK accepts auto_badge values "+1", "-1", "1".
func badgeOK(s string) bool {
	s = strings.TrimLeft(s, "+-")
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil && len(s) > 0
}

// checkLen refuses a string longer than max characters.
func checkLen(name, v string, max int) *apiError {
	if utf8.RuneCountInString(v) > max {
		return paramErr("%s size over limit", name)
	}
	return nil
}

// validateBody checks the common push body (audience is checked per
// route).
func validateBody(b *PushBody) *apiError {
	if b.RequestID == "" {
		return paramErr("request_id can not be empty")
	}
	if !nameOK(b.RequestID, 10, 32) {
		return paramErr("request_id is invalid")
	}
	if b.GroupName != "" && !nameOK(b.GroupName, 1, 100) {
		return paramErr("group_name is invalid")
	}
	if e := validateSettings(b.Settings); e != nil {
		return e
	}
	if b.PushMessage == nil {
		return paramErr("push_message can not be empty")
	}
	if e := validateMessage(b.PushMessage); e != nil {
		return e
	}
	return validateChannel(b.PushChannel)
}

func validateSettings(s *Settings) *apiError {
	if s == nil {
		return nil
	}
	if s.TTL != nil && (*s.TTL < -1 || *s.TTL > maxTTL) {
		return paramErr("ttl is invalid")
	}
	for k, v := range s.Strategy {
		switch k {
		case "default", "ios", "st", "hw", "xm", "vv", "mz", "op", "hx", "hwq", "ho", "hoshw":
		default:
			return paramErr("strategy is invalid")
		}
		if v < 1 || v > 4 {
			return paramErr("strategy is invalid")
		}
	}
	if s.Speed != nil && *s.Speed < 0 {
		return paramErr("speed is invalid")
	}
	if s.ScheduleTime != nil {
		return &apiError{code: codeNoSchedule, msg: "no permission for scheduled push"}
	}
	return nil
}

func validateMessage(m *PushMessage) *apiError {
	n := 0
	for _, set := range []bool{m.Notification != nil, m.Transmission != nil, m.Revoke != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return paramErr("please choose one of notification and transmission and revoke")
	}
	if m.NetworkType != nil && *m.NetworkType != 0 && *m.NetworkType != 1 {
		return paramErr("network_type is invalid")
	}
	if e := validateDuration(m.Duration); e != nil {
		return e
	}
	if m.Transmission != nil {
		if *m.Transmission == "" {
			return paramErr("transmission can not be empty")
		}
		return checkLen("transmission", *m.Transmission, 3072)
	}
	if m.Notification != nil {
		return validateNotification(m.Notification)
	}
	return nil
}

// validateDuration checks "startMs-endMs". The window must be longer than
// 6 minutes, as the server enforces it (one page of its docs says 10).
func validateDuration(d string) *apiError {
	if d == "" {
		return nil
	}
	a, b, ok := strings.Cut(d, "-")
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || len(a) != 13 || len(b) != 13 || err1 != nil || err2 != nil || time.Duration(end-start)*time.Millisecond <= minShowWindow {
		return paramErr("duration is invalid")
	}
	return nil
}

func validateNotification(n *Notification) *apiError {
	switch {
	case n.Title == "":
		return paramErr("title can not be empty")
	case n.Body == "":
		return paramErr("body can not be empty")
	case n.BigText != "" && n.BigImage != "":
		return paramErr("choose one of big_text and big_image")
	case n.BadgeAddNum != nil && *n.BadgeAddNum <= 0:
		return paramErr("badge_add_num is invalid")
	}
	for _, c := range []struct {
		name, v string
		max     int
	}{
		{"title", n.Title, 50}, {"body", n.Body, 256}, {"big_text", n.BigText, 512},
		{"big_image", n.BigImage, 1024}, {"logo", n.Logo, 64}, {"logo_url", n.LogoURL, 256},
		{"channel_id", n.ChannelID, 64}, {"channel_name", n.ChannelName, 64},
	} {
		if e := checkLen(c.name, c.v, c.max); e != nil {
			return e
		}
	}
	return validateClick(n.ClickType, n.Intent, n.URL, n.Payload, true)
}

// validateClick checks click_type and the field it needs. The documented
// body sends "url": "" with click_type none, so empty fields are accepted.
func validateClick(clickType, intent, url, payload string, custom bool) *apiError {
	switch clickType {
	case "":
		return paramErr("click_type can not be empty")
	case "intent":
		if intent == "" {
			return paramErr("intent can not be empty")
		}
		return checkLen("intent", intent, 4096)
	case "url":
		if url == "" {
			return paramErr("url can not be empty")
		}
		if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			return paramErr("url is invalid")
		}
		return checkLen("url", url, 1024)
	case "payload", "payload_custom":
		if clickType == "payload_custom" && !custom {
			return paramErr("click_type is invalid")
		}
		if payload == "" {
			return paramErr("payload can not be empty")
		}
		return checkLen("payload", payload, 3072)
	case "startapp", "none":
		return nil
	}
	return paramErr("click_type is invalid")
}

func validateChannel(c *PushChannel) *apiError {
	if c == nil {
		return nil
	}
	if c.IOS != nil {
		if e := validateIOS(c.IOS); e != nil {
			return e
		}
	}
	if c.Android != nil {
		if c.Android.Ups == nil {
			return paramErr("ups can not be empty")
		}
		return validateUps(c.Android.Ups)
	}
	return nil
}

func validateIOS(i *IOS) *apiError {
	switch i.Type {
	case "", "notify", "voip", "liveactivity":
	default:
		return paramErr("type is invalid")
	}
	if i.AutoBadge != "" && !badgeOK(i.AutoBadge) {
		return paramErr("auto_badge is invalid")
	}
	if len(i.Multimedia) > 3 {
		return paramErr("multimedia size over limit")
	}
	for _, m := range i.Multimedia {
		if m.URL == "" || m.Type < 1 || m.Type > 3 {
			return paramErr("multimedia is invalid")
		}
	}
	if i.Aps != nil && i.Aps.ContentAvailable != nil && *i.Aps.ContentAvailable != 0 && *i.Aps.ContentAvailable != 1 {
		return paramErr("content-available is invalid")
	}
	return nil
}

func validateUps(u *Ups) *apiError {
	n := 0
	for _, set := range []bool{u.Notification != nil, u.Transmission != nil, u.Revoke != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return paramErr("choose one of notification and transmission")
	}
	if u.Notification != nil {
		un := u.Notification
		if un.Title == "" || un.Body == "" {
			return paramErr("ups.notification title and body can not be empty")
		}
		if e := checkLen("title", un.Title, 50); e != nil {
			return e
		}
		if e := checkLen("body", un.Body, 256); e != nil {
			return e
		}
		if e := validateClick(un.ClickType, un.Intent, un.URL, un.Payload, false); e != nil {
			return e
		}
	}
	if u.Transmission != nil {
		if e := checkLen("transmission", *u.Transmission, 3072); e != nil {
			return e
		}
	}
	for constraint := range u.Options {
		// Constraints seen in the reference; FCM is assumed [I].
		switch constraint {
		case "ALL", "HW", "HO", "XM", "VV", "OP", "MZ", "UPS", "FCM":
		default:
			return paramErr("options %s is invalid", constraint)
		}
	}
	return nil
}
