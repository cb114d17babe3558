package getuifake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"
)

// Broadcast quotas shared by /push/all and /push/tag [S].
const (
	broadcastsPerMinute = 5
	broadcastsPerDay    = 100
)

// pushAll is /push/all: audience must be the string "all".
func (s *Server) pushAll(_ *http.Request, body []byte) (any, *apiError) {
	b, e := decodePush(body)
	if e != nil {
		return nil, e
	}
	var all string
	if json.Unmarshal(b.Audience, &all) != nil || all != "all" {
		return nil, paramErr("audience is invalid")
	}
	return s.broadcast(b, codeAllPerDay, 1)
}

// pushTag is /push/tag: audience {"tag": [conditions]}.
func (s *Server) pushTag(_ *http.Request, body []byte) (any, *apiError) {
	b, e := decodePush(body)
	if e != nil {
		return nil, e
	}
	if len(b.Audience) == 0 {
		return nil, paramErr("audience can not be empty")
	}
	var a Audience
	if e := decodeStrict(b.Audience, &a); e != nil {
		return nil, e
	}
	if a.CID != nil || a.Alias != nil || a.FastCustomTag != nil || len(a.Tag) == 0 {
		return nil, paramErr("tag can not be empty")
	}
	if e := validateConditions(a.Tag); e != nil {
		return nil, e
	}
	return s.broadcast(b, codeTagPerDay, len(a.Tag)+1)
}

// validateConditions checks /push/tag clauses.
func validateConditions(cs []Condition) *apiError {
	total := 0
	for _, c := range cs {
		switch c.Key {
		case "phone_type", "region", "custom_tag", "portrait":
		default:
			return paramErr("key is invalid")
		}
		switch c.OptType {
		case "or", "and", "not":
		default:
			return paramErr("opt_type is invalid")
		}
		if len(c.Values) == 0 {
			return paramErr("values can not be empty")
		}
		for _, v := range c.Values {
			if v == "" {
				return paramErr("values is invalid")
			}
			if c.Key == "custom_tag" && utf8.RuneCountInString(v) >= 32 {
				return &apiError{code: codeTagLength, msg: "tag length over limit"}
			}
			if c.Key == "phone_type" && v != "android" && v != "ios" {
				return paramErr("phone_type is invalid")
			}
		}
		total += len(c.Values)
	}
	if total > maxTags {
		return &apiError{code: codeTooManyTags, msg: "too many tags"}
	}
	return nil
}

// broadcast de-duplicates, applies the shared quotas and creates an app
// task reaching appUsers/share users.
func (s *Server) broadcast(b *PushBody, dayCode, share int) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if data, dup := s.duplicate(b.RequestID); dup {
		return data, nil
	}
	now := time.Now()
	kept, lastMinute := s.broadcasts[:0], 0
	for _, t := range s.broadcasts {
		if now.Sub(t) < 24*time.Hour {
			kept = append(kept, t)
			if now.Sub(t) < time.Minute {
				lastMinute++
			}
		}
	}
	s.broadcasts = kept
	switch {
	case len(kept) >= broadcastsPerDay:
		return nil, &apiError{code: dayCode, msg: "push times per day over limit"}
	case lastMinute >= broadcastsPerMinute:
		return nil, &apiError{code: codeAppPerMinute, msg: "push times per minute over limit"}
	}
	s.broadcasts = append(s.broadcasts, now)
	t := s.newTask("RASA", "app", b.GroupName, 0)
	t.shown = shownOf(b)
	for i := range max(s.appUsers/share, 1) {
		id := fmt.Sprintf("user-%06d", i)
		s.deliver(t, id, s.statusOf(id))
	}
	data := map[string]string{"taskid": t.id}
	s.requestIDs[b.RequestID] = data
	return data, nil
}
