package jpushfake

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Batch single push paths: up to 1,000 pushes a call, each to one
// registration id (or alias) with its own content, keyed by a cid the
// fake issued.
const (
	PathBatchRegID = "/v3/push/batch/regid/single"
	PathBatchAlias = "/v3/push/batch/alias/single"
	maxBatchPushes = 1000
)

// batchEntry is one push of pushlist: a push object whose audience is
// its target (no audience and no cid of its own).
type batchEntry struct {
	Platform     json.RawMessage `json:"platform"`
	Target       string          `json:"target"`
	Notification json.RawMessage `json:"notification"`
	Message      json.RawMessage `json:"message"`
	SMSMessage   json.RawMessage `json:"sms_message"`
	Options      *optionsObject  `json:"options"`
	Callback     json.RawMessage `json:"callback"`
}

type entryError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// batch handles a batch single push: the body must be {"pushlist": {cid:
// entry}}; a bad entry or an unknown cid is that entry's error, a push
// that reaches nobody is 1011, and a cid already used is answered with
// its first answer without pushing again.
func (s *Server) batch(w http.ResponseWriter, r *http.Request, body []byte, byAlias bool) {
	var b struct {
		PushList map[string]json.RawMessage `json:"pushlist"`
	}
	if bad := strict(body, &b, "batch"); bad != nil {
		writeError(w, bad.status, bad.code, bad.msg)
		return
	}
	if len(b.PushList) == 0 || len(b.PushList) > maxBatchPushes {
		writeError(w, http.StatusBadRequest, 1003, "pushlist must hold 1 to 1000 cids")
		return
	}
	out := make(map[string]any, len(b.PushList))
	for cid, raw := range b.PushList {
		out[cid] = s.batchOne(cid, raw, byAlias)
	}
	s.mu.Lock()
	loss, lost := s.takeLoss()
	s.mu.Unlock()
	if lost {
		answerLost(w, r, loss)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// batchOne checks and carries out one entry and returns its answer.
func (s *Server) batchOne(cid string, raw json.RawMessage, byAlias bool) any {
	var e batchEntry
	if bad := strict(raw, &e, "pushlist entry"); bad != nil {
		return map[string]any{"error": entryError{bad.code, bad.msg}}
	}
	if e.Target == "" {
		return map[string]any{"error": entryError{1002, "target is required"}}
	}
	aud := audienceObject{RegistrationID: []string{e.Target}}
	if byAlias {
		aud = audienceObject{Alias: []string{e.Target}}
	}
	audRaw, err := json.Marshal(aud)
	if err != nil {
		return map[string]any{"error": entryError{1000, "encode"}}
	}
	// The entry's fields as a push object with its target as audience;
	// absent fields stay absent rather than null.
	obj := map[string]any{"platform": e.Platform, "audience": json.RawMessage(audRaw)}
	for k, v := range map[string]json.RawMessage{"notification": e.Notification, "message": e.Message, "callback": e.Callback} {
		if len(v) > 0 && string(v) != "null" {
			obj[k] = v
		}
	}
	if e.Options != nil {
		obj["options"] = e.Options
	}
	push, err := json.Marshal(obj)
	if err != nil {
		return map[string]any{"error": entryError{1000, "encode"}}
	}
	p, a, bad := checkPush(push)
	if bad != nil {
		return map[string]any{"error": entryError{bad.code, bad.msg}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	entry := s.cids[cid]
	if entry == nil || s.clock().Sub(entry.issued) >= cidLife {
		return map[string]any{"error": entryError{1003, "cid is invalid or expired"}}
	}
	if entry.answer != nil {
		return json.RawMessage(entry.answer) // a repeat: nothing pushed again
	}
	reached, _ := s.reach(a)
	if len(reached) == 0 {
		return map[string]any{"error": entryError{1011, "cannot find user by this audience"}}
	}
	s.nextMsgID++
	msgID := strconv.FormatInt(s.nextMsgID, 10)
	sendNo := 0
	if p.Options != nil {
		sendNo = p.Options.SendNo
	}
	s.byMsgID[msgID] = len(s.pushes)
	s.pushes = append(s.pushes, Push{MsgID: msgID, CID: cid, SendNo: sendNo, Recipients: reached, Body: push})
	for _, id := range reached {
		s.delivered[id] = append(s.delivered[id], msgID)
	}
	ans, err := json.Marshal(map[string]string{"msg_id": msgID})
	if err != nil {
		return map[string]any{"error": entryError{1000, "encode"}}
	}
	entry.answer = ans
	return json.RawMessage(ans)
}
