package getuifake

import (
	"encoding/json"
	"net/http"
	"time"
)

const msgTargetInvalid = "target user is invalid"

// defaultTTL is the offline retention when settings.ttl is absent; a list
// message's taskid is usable that long.
const defaultTTL = 2 * time.Hour

// decodePush decodes and checks a common push body.
func decodePush(body []byte) (*PushBody, *apiError) {
	var b PushBody
	if e := decodeStrict(body, &b); e != nil {
		return nil, e
	}
	if e := validateBody(&b); e != nil {
		return nil, e
	}
	return &b, nil
}

// listAudience decodes an audience that must carry only field ("cid" or
// "alias") with 1..max distinct values.
func listAudience(raw json.RawMessage, field string, max int) ([]string, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, paramErr("audience can not be empty")
	}
	var a Audience
	if e := decodeStrict(raw, &a); e != nil {
		return nil, e
	}
	return checkAudience(a, field, max)
}

func checkAudience(a Audience, field string, max int) ([]string, *apiError) {
	vals, other := a.CID, len(a.Alias) > 0
	if field == "alias" {
		vals, other = a.Alias, len(a.CID) > 0
	}
	if other || a.Tag != nil || a.FastCustomTag != nil {
		return nil, paramErr("audience is invalid")
	}
	if len(vals) == 0 {
		return nil, paramErr("%s can not be empty", field)
	}
	if len(vals) > max {
		return nil, paramErr("%s size over limit", field)
	}
	seen := make(map[string]bool, len(vals))
	for _, v := range vals {
		if v == "" {
			return nil, paramErr("%s is invalid", field)
		}
		if seen[v] {
			return nil, paramErr("contains duplicate %s", field)
		}
		seen[v] = true
	}
	return vals, nil
}

func (s *Server) pushSingleCID(_ *http.Request, body []byte) (any, *apiError) {
	return s.pushSingle(body, "cid")
}

func (s *Server) pushSingleAlias(_ *http.Request, body []byte) (any, *apiError) {
	return s.pushSingle(body, "alias")
}

// pushSingle is /push/single/cid and /alias: exactly one recipient.
func (s *Server) pushSingle(body []byte, field string) (any, *apiError) {
	b, e := decodePush(body)
	if e != nil {
		return nil, e
	}
	ids, e := listAudience(b.Audience, field, 1)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if data, dup := s.duplicate(b.RequestID); dup {
		return data, nil
	}
	if s.invalid[ids[0]] {
		return nil, paramErr(msgTargetInvalid)
	}
	data := s.singleTask(b, ids[0])
	s.requestIDs[b.RequestID] = data
	return data, nil
}

// singleTask creates a single-push task and delivers it to id. The answer
// is keyed by the recipient asked for (for an alias GeTui's key is not
// documented [I]). Must hold s.mu.
func (s *Server) singleTask(b *PushBody, id string) map[string]map[string]string {
	t := s.newTask("RASS", "single", b.GroupName, 0)
	t.shown = shownOf(b)
	st := s.statusOf(id)
	s.deliver(t, id, st)
	return map[string]map[string]string{t.id: {id: st}}
}

func (s *Server) pushBatchCID(_ *http.Request, body []byte) (any, *apiError) {
	return s.pushBatch(body, "cid")
}

func (s *Server) pushBatchAlias(_ *http.Request, body []byte) (any, *apiError) {
	return s.pushBatch(body, "alias")
}

// pushBatch is /push/single/batch/cid and /alias: up to 200 single pushes,
// each with its own request_id. Repeated request_ids are dropped.
func (s *Server) pushBatch(body []byte, field string) (any, *apiError) {
	var bb BatchBody
	if e := decodeStrict(body, &bb); e != nil {
		return nil, e
	}
	if len(bb.MsgList) == 0 {
		return nil, paramErr("msg_list can not be empty")
	}
	if len(bb.MsgList) > maxBatch {
		return nil, paramErr("msg_list size over limit")
	}
	bodies := make([]*PushBody, len(bb.MsgList))
	ids := make([]string, len(bb.MsgList))
	rids := map[string]bool{}
	for i, raw := range bb.MsgList {
		b, e := decodePush(raw)
		if e != nil {
			return nil, e
		}
		v, e := listAudience(b.Audience, field, 1)
		if e != nil {
			return nil, e
		}
		if rids[b.RequestID] {
			return nil, paramErr("contains duplicate request_id")
		}
		rids[b.RequestID] = true
		bodies[i], ids[i] = b, v[0]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.allInvalid(ids) {
		return nil, paramErr(msgTargetInvalid)
	}
	out := map[string]map[string]string{}
	for i, b := range bodies {
		if data, dup := s.duplicate(b.RequestID); dup {
			if m, ok := data.(map[string]map[string]string); ok {
				for k, v := range m {
					out[k] = v
				}
			}
			continue
		}
		data := s.singleTask(b, ids[i])
		s.requestIDs[b.RequestID] = data
		for k, v := range data {
			out[k] = v
		}
	}
	if bb.IsAsync {
		return nil, nil
	}
	return out, nil
}

// pushListMessage is /push/list/message: the body without audience; it
// answers a taskid usable by /push/list/cid and /alias until the ttl ends.
func (s *Server) pushListMessage(_ *http.Request, body []byte) (any, *apiError) {
	b, e := decodePush(body)
	if e != nil {
		return nil, e
	}
	if len(b.Audience) > 0 {
		return nil, paramErr("audience is invalid")
	}
	ttl := defaultTTL
	if b.Settings != nil && b.Settings.TTL != nil && *b.Settings.TTL > 0 {
		ttl = time.Duration(*b.Settings.TTL) * time.Millisecond
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if data, dup := s.duplicate(b.RequestID); dup {
		return data, nil
	}
	t := s.newTask("RASL", "list", b.GroupName, ttl)
	t.shown = shownOf(b)
	if b.PushMessage != nil && b.PushMessage.Notification != nil {
		t.title = b.PushMessage.Notification.Title
	}
	data := map[string]string{"taskid": t.id}
	s.requestIDs[b.RequestID] = data
	return data, nil
}

func (s *Server) pushListCID(_ *http.Request, body []byte) (any, *apiError) {
	return s.pushList(body, "cid")
}

func (s *Server) pushListAlias(_ *http.Request, body []byte) (any, *apiError) {
	return s.pushList(body, "alias")
}

// pushList is /push/list/cid and /alias: up to 1000 recipients of a list
// message. Invalid recipients get successed_ignore; a list of nothing but
// invalid ones is refused with 20001.
func (s *Server) pushList(body []byte, field string) (any, *apiError) {
	var lb ListBody
	if e := decodeStrict(body, &lb); e != nil {
		return nil, e
	}
	if field == "cid" && lb.NeedAliasDetail {
		return nil, paramErr("need_alias_detail is invalid")
	}
	ids, e := checkAudience(lb.Audience, field, maxList)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[lb.TaskID]
	if lb.TaskID == "" || !ok || t.kind != "list" || !time.Now().Before(t.until) {
		return nil, paramErr("taskid is invalid")
	}
	if s.allInvalid(ids) {
		return nil, paramErr(msgTargetInvalid)
	}
	statuses := map[string]any{}
	for _, id := range ids {
		st := s.statusOf(id)
		s.deliver(t, id, st)
		if lb.NeedAliasDetail {
			statuses[id] = map[string]string{aliasCID(id): st}
		} else {
			statuses[id] = st
		}
	}
	if lb.IsAsync {
		return nil, nil
	}
	return map[string]any{t.id: statuses}, nil
}

// duplicate reports whether requestID was seen, and what to answer: nothing
// (dropped) or the first answer when replay is on. Must hold s.mu.
func (s *Server) duplicate(requestID string) (any, bool) {
	data, ok := s.requestIDs[requestID]
	if !ok {
		return nil, false
	}
	if s.dupReplay {
		return data, true
	}
	return nil, true
}

// allInvalid reports whether every id is marked invalid. Must hold s.mu.
func (s *Server) allInvalid(ids []string) bool {
	for _, id := range ids {
		if !s.invalid[id] {
			return false
		}
	}
	return true
}

// statusOf is the per-recipient status. Must hold s.mu.
func (s *Server) statusOf(id string) string {
	switch {
	case s.invalid[id]:
		return "successed_ignore"
	case s.online[id]:
		return "successed_online"
	}
	return "successed_offline"
}
