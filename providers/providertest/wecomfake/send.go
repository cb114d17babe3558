package wecomfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Limits WeCom enforces on message/send, with the errcodes it answers.
const (
	MaxUsers                  = 1000  // 40032 above
	MaxParties                = 100   // 82002 above
	MaxTags                   = 100   // 82003 above
	MaxContentBytes           = 2048  // 45002 above (text and markdown)
	MaxArticles               = 8     // 45008 above
	MaxDuplicateCheckInterval = 14400 // seconds (4 h)
	defaultDupInterval        = 1800
	recallWindow              = 24 * time.Hour
)

// sendBody is the message/send request. Only the four msgtypes pushdeck
// uses are known; another msgtype's object is an unknown field.
type sendBody struct {
	ToUser                 *string         `json:"touser"`
	ToParty                *string         `json:"toparty"`
	ToTag                  *string         `json:"totag"`
	MsgType                *string         `json:"msgtype"`
	AgentID                *int            `json:"agentid"`
	Text                   json.RawMessage `json:"text"`
	TextCard               json.RawMessage `json:"textcard"`
	Markdown               json.RawMessage `json:"markdown"`
	News                   json.RawMessage `json:"news"`
	Safe                   *int            `json:"safe"`
	EnableIDTrans          *int            `json:"enable_id_trans"`
	EnableDuplicateCheck   *int            `json:"enable_duplicate_check"`
	DuplicateCheckInterval *int            `json:"duplicate_check_interval"`
}

type contentObj struct {
	Content *string `json:"content"`
}

type textCardObj struct {
	Title       *string `json:"title"`
	Description *string `json:"description"`
	URL         *string `json:"url"`
	BtnTxt      *string `json:"btntxt"`
}

type newsObj struct {
	Articles []articleObj `json:"articles"`
}

type articleObj struct {
	Title       *string `json:"title"`
	Description *string `json:"description"`
	URL         *string `json:"url"`
	PicURL      *string `json:"picurl"`
	AppID       *string `json:"appid"`
	PagePath    *string `json:"pagepath"`
}

// strictDecode decodes one JSON value refusing unknown fields, wrong types
// and trailing data.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after JSON value")
	}
	return nil
}

func badJSON(err error) reply {
	return errReply(40058, "Warning: wrong json format. invalid Request Parameter: "+err.Error())
}

// send serves POST /cgi-bin/message/send after the token check. Called with
// s.mu held.
func (s *Server) send(_ *http.Request, body []byte) reply {
	var b sendBody
	if err := strictDecode(body, &b); err != nil {
		return badJSON(err)
	}
	switch {
	case b.AgentID == nil:
		return errReply(41011, "agentid missing")
	case *b.AgentID != s.agentID:
		return errReply(301002, "not allow operate another agent with this accesstoken")
	}
	msgType := deref(b.MsgType)
	if rep, ok := checkOptions(&b, msgType); !ok {
		return rep
	}
	rc, rep, ok := parseRecipients(&b)
	if !ok {
		return rep
	}
	if rep, ok := checkContent(&b, msgType); !ok {
		return rep
	}
	return s.deliver(&b, body, msgType, rc)
}

// checkOptions checks msgtype, the msgtype object and the optional flags
// the msgtype takes (per the doc's examples: safe only for text — news
// with safe is 40074 —, enable_id_trans not for markdown).
func checkOptions(b *sendBody, msgType string) (reply, bool) {
	objects := map[string]json.RawMessage{"text": b.Text, "textcard": b.TextCard, "markdown": b.Markdown, "news": b.News}
	if _, known := objects[msgType]; !known {
		return errReply(40008, fmt.Sprintf("invalid message type %q", msgType)), false
	}
	for name, raw := range objects {
		if name != msgType && raw != nil {
			return badJSON(fmt.Errorf("field %q does not belong to msgtype %q", name, msgType)), false
		}
	}
	if b.Safe != nil && msgType != "text" {
		if msgType == "news" {
			return errReply(40074, "news msg not support safe"), false
		}
		return badJSON(fmt.Errorf("unknown field \"safe\" for msgtype %q", msgType)), false
	}
	if b.EnableIDTrans != nil && msgType == "markdown" {
		return badJSON(errors.New(`unknown field "enable_id_trans" for msgtype "markdown"`)), false
	}
	for name, v := range map[string]*int{"safe": b.Safe, "enable_id_trans": b.EnableIDTrans, "enable_duplicate_check": b.EnableDuplicateCheck} {
		if v != nil && *v != 0 && *v != 1 {
			return errReply(40058, fmt.Sprintf("invalid Request Parameter, %s must be 0 or 1", name)), false
		}
	}
	if v := b.DuplicateCheckInterval; v != nil && (*v <= 0 || *v > MaxDuplicateCheckInterval) {
		return errReply(40058, fmt.Sprintf("invalid Request Parameter, duplicate_check_interval %d out of range (1..%d)", *v, MaxDuplicateCheckInterval)), false
	}
	return reply{}, true
}

type recipients struct {
	all                  bool
	users, parties, tags []string
}

// parseRecipients splits touser/toparty/totag on "|" (spaces around ids
// tolerated, as in WeCom's own "TagID1 | TagID2") and checks the limits.
func parseRecipients(b *sendBody) (recipients, reply, bool) {
	rc := recipients{users: split(deref(b.ToUser)), parties: split(deref(b.ToParty)), tags: split(deref(b.ToTag))}
	if strings.TrimSpace(deref(b.ToUser)) == "@all" {
		return recipients{all: true}, reply{}, true
	}
	switch {
	case len(rc.users)+len(rc.parties)+len(rc.tags) == 0:
		return rc, errReply(82001, "All touser & toparty & totag invalid"), false
	case len(rc.users) > MaxUsers:
		return rc, errReply(40032, fmt.Sprintf("invalid size of userid list: %d > %d", len(rc.users), MaxUsers)), false
	case len(rc.parties) > MaxParties:
		return rc, errReply(82002, fmt.Sprintf("invalid partylist size: %d > %d", len(rc.parties), MaxParties)), false
	case len(rc.tags) > MaxTags:
		return rc, errReply(82003, fmt.Sprintf("invalid taglist size: %d > %d", len(rc.tags), MaxTags)), false
	}
	return rc, reply{}, true
}

func split(joined string) []string {
	var out []string
	for _, id := range strings.Split(joined, "|") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// deliver resolves recipients against the invalid/unlicensed sets, applies
// the duplicate check and records the message. Called with s.mu held.
func (s *Server) deliver(b *sendBody, body []byte, msgType string, rc recipients) reply {
	var invUsers, invParties, invTags, unlic, delivered []string
	for _, u := range rc.users {
		lu := strings.ToLower(u) // WeCom answers userids lower-cased
		switch {
		case s.invalidUsers[lu]:
			invUsers = append(invUsers, lu)
		case s.unlicensed[lu]:
			unlic = append(unlic, lu)
		default:
			delivered = append(delivered, lu)
		}
	}
	invParties, delivered = partition(rc.parties, s.invalidParties, delivered)
	invTags, delivered = partition(rc.tags, s.invalidTags, delivered)
	if rc.all {
		delivered = []string{"@all"}
	}
	if len(delivered) == 0 && len(unlic) == 0 {
		return errReply(81013, "user & party & tag all invalid")
	}
	now := s.now()
	key := canonical(body)
	msg := Message{
		MsgType: msgType, AgentID: *b.AgentID, All: rc.all, ToUser: rc.users, ToParty: rc.parties, ToTag: rc.tags,
		Body: append([]byte(nil), body...), At: now,
	}
	interval := time.Duration(defaultDupInterval) * time.Second
	if b.DuplicateCheckInterval != nil {
		interval = time.Duration(*b.DuplicateCheckInterval) * time.Second
	}
	if prev, ok := s.dedupe[key]; ok && b.EnableDuplicateCheck != nil && *b.EnableDuplicateCheck == 1 && now.Before(prev.at.Add(interval)) {
		// [I] the doc does not say what a suppressed duplicate answers; the
		// fake answers success with the earlier msgid and delivers nothing.
		msg.MsgID, msg.Duplicate = prev.msgID, true
	} else {
		s.seq++
		msg.MsgID = fmt.Sprintf("fake-msgid-%06d", s.seq)
		msg.Delivered = delivered
		s.dedupe[key] = dupEntry{at: now, msgID: msg.MsgID}
	}
	s.messages = append(s.messages, msg)
	resp := map[string]any{"errcode": 0, "errmsg": "ok", "msgid": msg.MsgID}
	for k, v := range map[string][]string{"invaliduser": invUsers, "invalidparty": invParties, "invalidtag": invTags, "unlicenseduser": unlic} {
		if len(v) > 0 {
			resp[k] = strings.Join(v, "|")
		}
	}
	return okReply(0, resp)
}

func partition(ids []string, invalid map[string]bool, valid []string) ([]string, []string) {
	var bad []string
	for _, id := range ids {
		if invalid[id] {
			bad = append(bad, id)
		} else {
			valid = append(valid, id)
		}
	}
	return bad, valid
}

// canonical is the duplicate-check key: "the same content (request JSON)",
// taken as the same JSON value regardless of key order and spacing.
func canonical(body []byte) string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return string(body)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return string(body)
	}
	return string(b)
}
