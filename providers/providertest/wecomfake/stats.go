package wecomfake

import (
	"fmt"
	"net/http"
	"sort"
	"time"
)

// DefaultAppName is the app_name get_statistics reports for the fake's app.
const DefaultAppName = "pushdeck fake app"

// chinaDate is the date of t in WeCom's day: statistics count natural days
// in China (UTC+8, no daylight saving) [I: the doc names no time zone].
func chinaDate(t time.Time) string {
	return t.In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateOnly)
}

// otherApp is another app of the corp listed by get_statistics.
type otherApp struct {
	name             string
	today, yesterday int
}

// statisticsBody is the get_statistics request (doc 92369).
type statisticsBody struct {
	TimeType *int `json:"time_type"`
}

// statistics serves POST /cgi-bin/message/get_statistics after the token
// check: for time_type 0 (today, the default) or 1 (yesterday) it lists
// per app the successful person-times (发消息成功人次) of that day on the
// fake's clock in China time. The fake's own app counts each recipient of
// an accepted message/send: every delivered user, and [I] one per valid
// party or tag and one for @all (the fake knows no member lists);
// suppressed duplicates count nothing and a recall does not undo a count.
// Other apps (AddOtherApp) are listed after it. Called with s.mu held.
func (s *Server) statistics(_ *http.Request, body []byte) reply {
	var b statisticsBody
	if err := strictDecode(body, &b); err != nil {
		return badJSON(err)
	}
	day := 0
	if b.TimeType != nil {
		day = *b.TimeType
	}
	if day != 0 && day != 1 {
		return errReply(40058, fmt.Sprintf("invalid Request Parameter, time_type %d must be 0 (today) or 1 (yesterday)", day))
	}
	date := chinaDate(s.now().Add(-time.Duration(day) * 24 * time.Hour))
	count := 0
	for _, m := range s.messages {
		if !m.Duplicate && m.AgentID == s.agentID && chinaDate(m.At) == date {
			count += len(m.Delivered)
		}
	}
	list := []map[string]any{{"agentid": s.agentID, "app_name": s.appName, "count": count}}
	ids := make([]int, 0, len(s.otherApps))
	for id := range s.otherApps {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		a := s.otherApps[id]
		n := a.today
		if day == 1 {
			n = a.yesterday
		}
		list = append(list, map[string]any{"agentid": id, "app_name": a.name, "count": n})
	}
	return okReply(0, map[string]any{"errcode": 0, "errmsg": "ok", "statistics": list})
}

// SetAppName sets the app_name get_statistics reports for the fake's app.
func (s *Server) SetAppName(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appName = name
}

// AddOtherApp lists another app of the corp in get_statistics with fixed
// counts for today and yesterday, as a corp with several apps answers
// [I: whether an app secret's token sees the other apps is undocumented].
func (s *Server) AddOtherApp(agentID int, name string, today, yesterday int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.otherApps[agentID] = otherApp{name: name, today: today, yesterday: yesterday}
}
