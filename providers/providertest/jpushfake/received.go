package jpushfake

import (
	"bytes"
	"net/http"
	"strings"
)

// maxReportIDs is the most msg_ids one report call takes.
const maxReportIDs = 100

// received handles GET /v3/received/detail?msg_ids=a,b: one object per
// known msg_id with every channel's figures, null where the channel had
// nothing (as JPush writes a figure it does not have). Listed pushes count
// each reached device on its channel (SetChannel, jpush by default); a
// broadcast counts its size on jpush.
func (s *Server) received(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("msg_ids")
	if raw == "" {
		writeError(w, http.StatusBadRequest, 1002, "msg_ids is required")
		return
	}
	ids := strings.Split(raw, ",")
	if len(ids) > maxReportIDs {
		writeError(w, http.StatusBadRequest, 1003, "msg_ids takes at most 100 ids")
		return
	}
	s.mu.Lock()
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		i, ok := s.byMsgID[strings.TrimSpace(id)]
		if !ok {
			continue
		}
		out = append(out, s.figures(s.pushes[i]))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// figures is one push's report row. Called with s.mu held.
func (s *Server) figures(p Push) map[string]any {
	counts := map[string]int64{}
	if len(p.Recipients) == 0 {
		counts["jpush"] = p.Size
	}
	for _, id := range p.Recipients {
		ch := s.channels[id]
		if ch == "" {
			ch = "jpush"
		}
		counts[ch]++
	}
	row := map[string]any{"msg_id": p.MsgID}
	pct := s.receivedPercent(p)
	set := func(key string, n int64, ok bool) {
		if ok {
			row[key] = n
		} else {
			row[key] = nil
		}
	}
	received := func(n int64) int64 { return n * int64(pct) / 100 }
	n, ok := counts["jpush"]
	set("jpush_received", received(n), ok)
	for _, ch := range []string{"android_pns", "ios_apns", "hmos_hmpns", "quickapp_pns"} {
		n, ok := counts[ch]
		set(ch+"_sent", n, ok)
		set(ch+"_received", received(n), ok)
	}
	n, ok = counts["ios_msg"]
	set("ios_msg_received", received(n), ok)
	return row
}

// SetReceivedPercent makes percent of the devices of pushes whose body
// holds text count as received in reports (all of them otherwise), so a
// test can make one message do better than another.
func (s *Server) SetReceivedPercent(text string, percent int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.receivedPct == nil {
		s.receivedPct = map[string]int{}
	}
	s.receivedPct[text] = percent
}

// receivedPercent is the share of a push's devices reported received.
// Called with s.mu held.
func (s *Server) receivedPercent(p Push) int {
	for text, pct := range s.receivedPct {
		if bytes.Contains(p.Body, []byte(text)) {
			return pct
		}
	}
	return 100
}
