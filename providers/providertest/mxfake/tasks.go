package mxfake

import (
	"net/http"
	"strconv"
)

// Channels are the task-detail channels, in the server's order.
var Channels = []string{"apns", "fcm", "flyme", "huawei", "mxpush", "oppo", "vivo", "xiaomi"}

// Figures are one channel's counts in a task.
type Figures struct {
	Target   int64
	Sent     int64
	Received int64
}

// Task is one accepted push.
type Task struct {
	ID        int64
	RequestID string
	// Audience is all, tag, alias, user_id or push_token; Values its list.
	Audience string
	Values   []string
	Request  NotifyRequest
	// Duplicates counts later pushes with the same request_id, which were
	// answered with this task's id and not pushed.
	Duplicates int
	Stats      map[string]Figures
}

// Tasks returns copies of the tasks in creation order.
func (s *Server) Tasks() []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Task, 0, len(s.taskOrder))
	for _, id := range s.taskOrder {
		out = append(out, s.tasks[id].clone())
	}
	return out
}

// Task returns a copy of one task.
func (s *Server) Task(id int64) (Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return Task{}, false
	}
	return t.clone(), true
}

// SetTaskStats replaces one channel's figures of a task.
func (s *Server) SetTaskStats(id int64, channel string, f Figures) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tasks[id]; ok {
		t.Stats[channel] = f
	}
}

// SetReceivedPercent makes percent of the recipients of pushes titled
// title count as received in their task details (all of them otherwise),
// so a test can make one message do better than another.
func (s *Server) SetReceivedPercent(title string, percent int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received[title] = percent
}

func (t *Task) clone() Task {
	c := *t
	c.Values = append([]string(nil), t.Values...)
	c.Stats = make(map[string]Figures, len(t.Stats))
	for k, v := range t.Stats {
		c.Stats[k] = v
	}
	return c
}

// createTask stores a push, or returns the earlier task for a request_id
// seen before: "如果请求ID以前出现过，则不推送" (the answer for a duplicate
// is undocumented; the fake repeats the first task id [I]).
func (s *Server) createTask(req NotifyRequest, aud parsedAudience) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	rid := ""
	if req.Setting != nil {
		rid = req.Setting.RequestID
	}
	if rid != "" {
		if id, ok := s.requestIDs[rid]; ok {
			if t, ok := s.tasks[id]; ok {
				t.Duplicates++
			}
			return id
		}
	}
	id := s.nextTaskID
	s.nextTaskID++
	if s.lean != nil {
		if rid != "" {
			s.requestIDs[rid] = id
		}
		// Under the lock, like the task it replaces: the hook must be
		// quick (a benchmark's check of the text).
		s.lean(aud.values, req.Message)
		return id
	}
	t := &Task{ID: id, RequestID: rid, Audience: aud.kind, Values: aud.values, Request: req, Stats: map[string]Figures{}}
	def := defaultChannel(req.Setting)
	count := func(ch string, n int64) {
		f := t.Stats[ch]
		f.Target += n
		f.Sent += n
		f.Received += n
		t.Stats[ch] = f
	}
	switch aud.kind {
	case "all":
		count(def, s.broadcastSize)
	case "tag":
		count(def, s.broadcastSize*int64(len(aud.values)))
	default:
		for _, v := range aud.values {
			if s.invalid[v] {
				continue
			}
			ch := def
			if c, ok := s.channels[v]; ok {
				ch = c
			}
			count(ch, 1)
		}
	}
	if req.Message != nil {
		if pct, ok := s.received[req.Message.Title]; ok {
			for ch, f := range t.Stats {
				f.Received = f.Sent * int64(pct) / 100
				t.Stats[ch] = f
			}
		}
	}
	s.tasks[id] = t
	s.taskOrder = append(s.taskOrder, id)
	if rid != "" {
		s.requestIDs[rid] = id
	}
	return id
}

// defaultChannel is where a device without SetChannel is counted: the MX
// channel, or the first vendor of ospush_sequence for ospush_only.
func defaultChannel(st *Setting) string {
	if st == nil || st.DistributionStrategy != "ospush_only" {
		return "mxpush"
	}
	first := "ups"
	if len(st.OSPushSequence) > 0 {
		first = st.OSPushSequence[0]
	}
	switch first {
	case "ups":
		return "huawei"
	case "meizu":
		return "flyme"
	}
	return first
}

// taskDetailRequest is POST /push/task/detail's body.
type taskDetailRequest struct {
	List []int64 `json:"list"`
}

func (s *Server) handleTaskDetail(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req taskDetailRequest
	if err := decodeStrict(body, &req); err != nil {
		writeCode(w, 10002, "invalid request parameters: "+err.Error())
		return
	}
	s.mu.Lock()
	out := []map[string]int64{}
	for _, id := range req.List {
		t, ok := s.tasks[id]
		if !ok {
			continue
		}
		d := map[string]int64{"task_id": id}
		for _, ch := range Channels {
			f := t.Stats[ch]
			d[ch+"_target"], d[ch+"_sent"], d[ch+"_received"] = f.Target, f.Sent, f.Received
		}
		out = append(out, d)
	}
	s.mu.Unlock()
	writeOK(w, out)
}

// Certificate is a vendor certificate as /push/certificate returns it
// (swagger NotifierDto).
type Certificate struct {
	AppID       string `json:"app_id"`
	AppKey      string `json:"app_key"`
	AppSecret   string `json:"app_secret"`
	Certificate string `json:"certificate"`
	Name        string `json:"name"`
}

type certKey struct{ env, provider int }

// SetCertificate configures the certificate of provider (1 APNs, 2 Huawei,
// 3 Xiaomi, 4 Meizu, 5 vivo, 6 OPPO, 7 FCM) in environment (0 dev, 1 prod).
func (s *Server) SetCertificate(environment, provider int, c Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.certs[certKey{environment, provider}] = c
}

// handleCertificate answers GET /push/certificate?environment=&provider=.
// provider is required (1–7); environment defaults to 1. An unconfigured
// certificate answers data null [I: undocumented].
func (s *Server) handleCertificate(w http.ResponseWriter, r *http.Request, _ []byte) {
	q := r.URL.Query()
	env := 1
	if v := q.Get("environment"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || (n != 0 && n != 1) {
			writeCode(w, 10002, "invalid request parameters: environment must be 0 or 1")
			return
		}
		env = n
	}
	p, err := strconv.Atoi(q.Get("provider"))
	if err != nil || p < 1 || p > 7 {
		writeCode(w, 10002, "invalid request parameters: provider must be 1-7")
		return
	}
	s.mu.Lock()
	c, ok := s.certs[certKey{env, p}]
	s.mu.Unlock()
	if !ok {
		writeOK(w, nil)
		return
	}
	writeOK(w, c)
}
