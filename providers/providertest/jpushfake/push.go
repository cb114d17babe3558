package jpushfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Push is one push the fake carried out.
type Push struct {
	MsgID  string
	CID    string
	SendNo int
	// Recipients are the registration ids and aliases it reached, in
	// request order; a broadcast (all, tag) reaches Size devices instead.
	Recipients []string
	Size       int64
	Body       []byte
}

// pushAnswer is the answer of a push.
type pushAnswer struct {
	SendNo string `json:"sendno"`
	MsgID  string `json:"msg_id"`
}

// push handles POST /v3/push and /v3/push/validate.
func (s *Server) push(w http.ResponseWriter, r *http.Request, body []byte, validateOnly bool) {
	p, aud, bad := checkPush(body)
	if bad != nil {
		writeError(w, bad.status, bad.code, bad.msg)
		return
	}
	s.mu.Lock()
	var entry *cidEntry
	if p.CID != "" {
		entry = s.cids[p.CID]
		if entry == nil || s.clock().Sub(entry.issued) >= cidLife {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, 1003, "cid is invalid or expired")
			return
		}
		if entry.answer != nil && !validateOnly {
			// A repeat: the first push's answer, nothing pushed again.
			ans := entry.answer
			loss, lost := s.takeLoss()
			s.mu.Unlock()
			if lost {
				answerLost(w, r, loss)
				return
			}
			writeRaw(w, http.StatusOK, ans)
			return
		}
	}
	sendNo := 0
	if p.Options != nil {
		sendNo = p.Options.SendNo
	}
	reached, size := s.reach(aud)
	if aud != nil && len(reached) == 0 && size == 0 {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, 1011, "cannot find user by this audience")
		return
	}
	s.nextMsgID++
	msgID := strconv.FormatInt(s.nextMsgID, 10)
	ans, err := json.Marshal(pushAnswer{SendNo: strconv.Itoa(sendNo), MsgID: msgID})
	if err != nil {
		s.mu.Unlock()
		writeError(w, http.StatusInternalServerError, 1000, "encode")
		return
	}
	if validateOnly {
		s.mu.Unlock()
		writeRaw(w, http.StatusOK, ans)
		return
	}
	rec := Push{MsgID: msgID, CID: p.CID, SendNo: sendNo, Recipients: reached, Size: size, Body: body}
	s.byMsgID[msgID] = len(s.pushes)
	s.pushes = append(s.pushes, rec)
	for _, id := range reached {
		s.delivered[id] = append(s.delivered[id], msgID)
	}
	if entry != nil {
		entry.answer = ans
	}
	loss, lost := s.takeLoss()
	s.mu.Unlock()
	if lost {
		answerLost(w, r, loss)
		return
	}
	writeRaw(w, http.StatusOK, ans)
}

// reach resolves an audience: the listed ids the fake knows, or the
// broadcast size for all and tags. Called with s.mu held.
func (s *Server) reach(a *audienceObject) ([]string, int64) {
	if a == nil {
		return nil, s.broadcast
	}
	if a.Alias == nil && a.RegistrationID == nil {
		return nil, s.broadcast // tags, segments: the fake's broadcast
	}
	var out []string
	for _, list := range [][]string{a.RegistrationID, a.Alias} {
		for _, id := range list {
			if !s.invalid[id] {
				out = append(out, id)
			}
		}
	}
	return out, 0
}

// issueCIDs handles GET /v3/push/cid?count=n&type=push: 1..10 cids
// (more is served as 10, as for an ordinary app).
func (s *Server) issueCIDs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n := 1
	if c := q.Get("count"); c != "" {
		v, err := strconv.Atoi(c)
		if err != nil || v < 1 {
			writeError(w, http.StatusBadRequest, 1003, "count must be a positive number")
			return
		}
		n = min(v, 10)
	}
	if t := q.Get("type"); t != "" && t != "push" && t != "schedule" {
		writeError(w, http.StatusBadRequest, 1003, "type must be push or schedule")
		return
	}
	s.mu.Lock()
	out := make([]string, 0, n)
	for range n {
		var u [16]byte
		_, _ = rand.Read(u[:]) // crypto/rand never fails
		h := hex.EncodeToString(u[:])
		cid := fmt.Sprintf("%s-%s-%s-%s-%s-%s", s.appKey, h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
		s.cids[cid] = &cidEntry{issued: s.clock()}
		out = append(out, cid)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string][]string{"cidlist": out})
}

// Pushes returns a copy of every push carried out (not the replays).
func (s *Server) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.pushes...)
}

// Deliveries returns the msg_ids a registration id (or alias) received,
// once per push that reached it.
func (s *Server) Deliveries(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.delivered[id]...)
}

// DeliveryCounts returns how many pushes reached each registration id or
// alias that received any.
func (s *Server) DeliveryCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.delivered))
	for id, ms := range s.delivered {
		out[id] = len(ms)
	}
	return out
}

// IssuedCIDs is how many cids the fake has issued.
func (s *Server) IssuedCIDs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.cids)
}
