package getuifake

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxReportTasks is the most task ids one /report/push/task call takes.
const maxReportTasks = 200

// Counts are one channel's figures, named as GeTui's report names them.
type Counts struct {
	MsgNum     int64 `json:"msg_num,omitempty"`
	TargetNum  int64 `json:"target_num"`
	ReceiveNum int64 `json:"receive_num"`
	DisplayNum int64 `json:"display_num"`
	ClickNum   int64 `json:"click_num"`
}

// stats are per-channel figures of a task or task group.
type stats struct {
	msgNum   int64
	channels map[string]*Counts
}

// task is a push the fake accepted.
type task struct {
	id, kind, group string // kind: single, list, app
	// shown is the notification's title and body ("" for a
	// transmission), recorded per recipient it reaches (Received).
	shown Shown
	// title is the notification's title, which SetClickPercent keys on.
	title string
	until time.Time
	stats stats
}

// newTask registers a task with a GeTui-looking id. Must hold s.mu.
func (s *Server) newTask(prefix, kind, group string, ttl time.Duration) *task {
	s.seq++
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", s.appID, kind, s.seq))
	now := time.Now()
	t := &task{
		id:   fmt.Sprintf("%s_%s_%s", prefix, now.Format("0102"), hex.EncodeToString(sum[:16])),
		kind: kind, group: group, until: now.Add(ttl),
	}
	s.tasks[t.id] = t
	return t
}

// deliver accounts one recipient of a task, and of its group. Online
// recipients go through the GeTui channel, offline ones through a vendor
// channel picked from the id; receipt, display and click follow fixed
// rates keyed on the id, so figures are deterministic. Must hold s.mu.
func (s *Server) deliver(t *task, id, status string) {
	targets := []*stats{&t.stats}
	if t.group != "" {
		g, ok := s.groups[t.group]
		if !ok {
			g = &stats{}
			s.groups[t.group] = g
		}
		targets = append(targets, g)
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(id)) // hash writes never fail
	n := h.Sum32()
	channel := []string{"hw", "xm", "op", "vv", "ios"}[n%5]
	if status == "successed_online" {
		channel = "gt"
	}
	r := (n / 5) % 10
	s.delivered[id]++
	s.received[id] = append(s.received[id], t.shown)
	for _, st := range targets {
		st.msgNum++
		if status == "successed_ignore" {
			continue
		}
		if st.channels == nil {
			st.channels = map[string]*Counts{}
		}
		c, ok := st.channels[channel]
		if !ok {
			c = &Counts{}
			st.channels[channel] = c
		}
		c.TargetNum++
		if channel == "gt" || r < 9 {
			c.ReceiveNum++
		}
		if r < 7 {
			c.DisplayNum++
		}
		if s.clicked(t, n) {
			c.ClickNum++
		}
	}
}

// SetClickPercent makes percent of the recipients of notifications titled
// title count as clicked in reports (the rest of the figures unchanged),
// so a test can make one message do better than another.
func (s *Server) SetClickPercent(title string, percent int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clicks == nil {
		s.clicks = map[string]int{}
	}
	s.clicks[title] = percent
}

// clicked says whether the recipient hashed to n clicked a task's
// message: 20 % of them, or the title's SetClickPercent. Must hold s.mu.
func (s *Server) clicked(t *task, n uint32) bool {
	if pct, ok := s.clicks[t.title]; ok && t.title != "" {
		return int((n/50)%100) < pct
	}
	return (n/5)%10 < 2
}

// report renders stats as GeTui does: total plus one entry per channel.
func (st *stats) report() map[string]any {
	total := Counts{MsgNum: st.msgNum}
	out := map[string]any{"actionCntMap": map[string]int{}}
	for name, c := range st.channels {
		cc := *c
		out[name] = cc
		total.TargetNum += c.TargetNum
		total.ReceiveNum += c.ReceiveNum
		total.DisplayNum += c.DisplayNum
		total.ClickNum += c.ClickNum
	}
	out["total"] = total
	return out
}

// reportTask is GET /report/push/task/{taskid[,taskid…]}: list and app
// tasks only; single pushes have no task report.
func (s *Server) reportTask(r *http.Request, _ []byte) (any, *apiError) {
	ids := strings.Split(strings.TrimPrefix(r.URL.Path, "/v2/"+s.appID+"/report/push/task/"), ",")
	if len(ids) > maxReportTasks {
		return nil, paramErr("taskid size over limit")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{}
	for _, id := range ids {
		if id == "" {
			return nil, paramErr("taskid is invalid")
		}
		if t, ok := s.tasks[id]; ok && t.kind != "single" {
			out[id] = t.stats.report()
		}
	}
	return out, nil
}

// reportGroup is GET /report/push/task_group/{group_name} with the
// optional query needGetuiByBrand (true|false), startDate and endDate
// (yyyy-MM-dd, start not after end); any other parameter, or a body, is
// refused with 20001, as GeTui does. The dates are checked but not
// applied: the fake keeps no per-day figures. A group nothing was pushed
// to answers empty data, keyed by nothing [I].
func (s *Server) reportGroup(r *http.Request, body []byte) (any, *apiError) {
	g := strings.TrimPrefix(r.URL.Path, "/v2/"+s.appID+"/report/push/task_group/")
	if !nameOK(g, 1, 100) {
		return nil, paramErr("group_name is invalid")
	}
	if len(body) > 0 {
		return nil, paramErr("request body must be empty")
	}
	if e := checkGroupQuery(r.URL.Query()); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if raw, ok := s.groupRaw[g]; ok {
		return map[string]json.RawMessage{g: raw}, nil
	}
	st, ok := s.groups[g]
	if !ok {
		return map[string]any{}, nil
	}
	return map[string]any{g: st.report()}, nil
}

// checkGroupQuery checks the task_group report's query parameters.
func checkGroupQuery(q url.Values) *apiError {
	dates := map[string]time.Time{}
	for k, vs := range q {
		if len(vs) != 1 {
			return paramErr("contains duplicate %s", k)
		}
		switch k {
		case "needGetuiByBrand":
			if vs[0] != "true" && vs[0] != "false" {
				return paramErr("needGetuiByBrand type error")
			}
		case "startDate", "endDate":
			d, err := time.Parse(time.DateOnly, vs[0])
			if err != nil {
				return paramErr("%s is invalid", k)
			}
			dates[k] = d
		default:
			return paramErr("%s is invalid", k)
		}
	}
	start, okS := dates["startDate"]
	end, okE := dates["endDate"]
	if okS && okE && end.Before(start) {
		return paramErr("startDate must not be after endDate")
	}
	return nil
}

// SetGroupReport makes the task_group report of group answer raw as the
// group's entry, verbatim (a channel → counters object, as GeTui sends
// it), instead of the figures the fake counted: for reports with missing
// fields or odd channels. nil goes back to the counted figures.
func (s *Server) SetGroupReport(group string, raw json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if raw == nil {
		delete(s.groupRaw, group)
		return
	}
	s.groupRaw[group] = append(json.RawMessage(nil), raw...)
}

// GroupCounts returns the counted total figures of a task group, for
// assertions.
func (s *Server) GroupCounts(group string) (Counts, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.groups[group]
	if !ok {
		return Counts{}, false
	}
	c, _ := st.report()["total"].(Counts) // report always sets a Counts total
	return c, true
}

// TaskCounts returns the total figures of a task, for assertions.
func (s *Server) TaskCounts(taskID string) (Counts, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[taskID]
	if !ok {
		return Counts{}, false
	}
	c, _ := t.stats.report()["total"].(Counts) // report always sets a Counts total
	return c, true
}

// Delivered returns how many times each cid or alias was pushed to, over
// every task: a recipient reached by two tasks, or twice by one, counts
// twice.
// Shown is what a pushed notification showed: its title and body.
type Shown struct{ Title, Body string }

// Received returns what each push to id showed, in the order pushed, so a
// test can tell that each recipient got its own text.
func (s *Server) Received(id string) []Shown {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Shown(nil), s.received[id]...)
}

// shownOf is a push body's notification text.
func shownOf(b *PushBody) Shown {
	if b == nil || b.PushMessage == nil || b.PushMessage.Notification == nil {
		return Shown{}
	}
	return Shown{Title: b.PushMessage.Notification.Title, Body: b.PushMessage.Notification.Body}
}

func (s *Server) Delivered() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.delivered))
	for id, n := range s.delivered {
		out[id] = n
	}
	return out
}

// aliasCID is the cid the fake binds to an alias, for alias details.
func aliasCID(alias string) string {
	sum := md5.Sum([]byte(alias))
	return hex.EncodeToString(sum[:])
}
