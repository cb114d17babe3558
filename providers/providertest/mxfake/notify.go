package mxfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

var errTrailing = errors.New("unexpected data after the JSON value")

// Wire types of POST /push/notify as the server names them, decoded strictly.

// NotifyRequest is the body of /push/notify.
type NotifyRequest struct {
	Audience json.RawMessage `json:"audience"`
	Setting  *Setting        `json:"setting"`
	Message  *Message        `json:"message"`
}

// Audience is the object form of the audience.
type Audience struct {
	Tag       []string `json:"tag"`
	Alias     []string `json:"alias"`
	UserID    []int64  `json:"user_id"`
	PushToken []string `json:"push_token"`
}

// Setting is "setting".
type Setting struct {
	RequestID            string   `json:"request_id"`
	DistributionStrategy string   `json:"distribution_strategy"`
	OSPushSequence       []string `json:"ospush_sequence"`
}

// Message is "message".
type Message struct {
	Type          string          `json:"type"`
	Title         string          `json:"title"`
	Body          string          `json:"body"`
	AttachmentURL string          `json:"attachment_url"`
	BigText       string          `json:"big_text"`
	Badge         string          `json:"badge"`
	Ext           json.RawMessage `json:"ext"`
	ShowBeginTime int64           `json:"show_begin_time"`
	ShowEndTime   int64           `json:"show_end_time"`
	IOS           *IOS            `json:"ios"`
	Android       *Vendor         `json:"android"`
	Huawei        *Huawei         `json:"huawei"`
	Xiaomi        *Vendor         `json:"xiaomi"`
	OPPO          *Vendor         `json:"oppo"`
	VIVO          *VIVO           `json:"vivo"`
	Flyme         *Vendor         `json:"flyme"`
	FCM           *Vendor         `json:"fcm"`
}

// IOS is "ios".
type IOS struct {
	Sound            string `json:"sound"`
	ContentAvailable bool   `json:"content_available"`
	MutableContent   bool   `json:"mutable_content"`
	Category         string `json:"category"`
	ThreadID         string `json:"thread_id"`
	Subtitle         string `json:"subtitle"`
	APNsCollapseID   string `json:"apns_collapse_id"`
}

// Vendor is "android", "xiaomi", "oppo", "flyme" and "fcm".
type Vendor struct {
	Sound       string `json:"sound"`
	ChannelID   string `json:"channel_id"`
	ClickAction string `json:"click_action"`
	Intent      string `json:"intent"`
}

// Huawei is "huawei".
type Huawei struct {
	Vendor
	BadgeClass string `json:"badge_class"`
}

// VIVO is "vivo".
type VIVO struct {
	Vendor
	PushMode       int `json:"push_mode"`
	Classification int `json:"classification"`
}

// MaxTargets is the list limit ("列表长度不能超过500" ⇒ 12005).
const MaxTargets = 500

// badParams is a 10002 refusal.
type badParams struct{ msg string }

func (e badParams) Error() string { return e.msg }

func bad(format string, args ...any) error { return badParams{msg: fmt.Sprintf(format, args...)} }

// parsedAudience is the audience after checks.
type parsedAudience struct {
	kind   string // all, tag, alias, user_id, push_token
	values []string
}

func (s *Server) handleNotify(w http.ResponseWriter, _ *http.Request, body []byte) {
	var (
		req   NotifyRequest
		aud   parsedAudience
		quick bool
		err   error
	)
	if s.lean != nil {
		if r, a, ok := quickNotify(body); ok {
			req, aud, quick = r, a, true
		}
	}
	if !quick {
		if derr := decodeStrict(body, &req); derr != nil {
			writeCode(w, 10002, "invalid request parameters: "+derr.Error())
			return
		}
		aud, err = checkAudience(req.Audience)
	}
	if err == nil {
		err = checkSetting(req.Setting)
	}
	if err == nil {
		err = checkMessage(req.Message)
	}
	var tooMany errTooMany
	switch {
	case errors.As(err, &tooMany):
		writeCode(w, 12005, err.Error())
		return
	case err != nil:
		writeCode(w, 10002, "invalid request parameters: "+err.Error())
		return
	}
	id := s.createTask(req, aud)
	// The envelope writeOK would encode, written directly: a benchmark
	// pushes a million of these through the fake.
	b := make([]byte, 0, 64)
	b = append(b, `{"code":200,"data":{"task_id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, "},\"message\":null}\n"...)
	w.Header()["Content-Type"] = []string{"application/json;charset=UTF-8"}
	_, _ = w.Write(b) // a failed write means the client went away
}

type errTooMany struct{ n int }

func (e errTooMany) Error() string {
	return fmt.Sprintf("target list length %d exceeds %d", e.n, MaxTargets)
}

// checkAudience accepts "all" or an object with exactly one non-empty list.
func checkAudience(raw json.RawMessage) (parsedAudience, error) {
	d := bytes.TrimSpace(raw)
	if len(d) == 0 || string(d) == "null" {
		return parsedAudience{}, bad("audience is required")
	}
	if d[0] == '"' {
		var str string
		if err := json.Unmarshal(d, &str); err != nil || str != "all" {
			return parsedAudience{}, bad(`audience string must be "all"`)
		}
		return parsedAudience{kind: "all"}, nil
	}
	var a Audience
	if err := decodeStrict(d, &a); err != nil {
		return parsedAudience{}, bad("audience: %v", err)
	}
	var lists []parsedAudience
	add := func(kind string, v []string) {
		if v != nil {
			lists = append(lists, parsedAudience{kind: kind, values: v})
		}
	}
	add("tag", a.Tag)
	add("alias", a.Alias)
	add("push_token", a.PushToken)
	if a.UserID != nil {
		ids := make([]string, len(a.UserID))
		for i, id := range a.UserID {
			ids[i] = strconv.FormatInt(id, 10)
		}
		add("user_id", ids)
	}
	if len(lists) != 1 {
		return parsedAudience{}, bad("audience must hold exactly one of tag, alias, user_id, push_token")
	}
	p := lists[0]
	switch {
	case len(p.values) == 0:
		return parsedAudience{}, bad("audience %s is empty", p.kind)
	case len(p.values) > MaxTargets:
		return parsedAudience{}, errTooMany{n: len(p.values)}
	case slices.Contains(p.values, ""):
		return parsedAudience{}, bad("audience %s has an empty value", p.kind)
	}
	return p, nil
}

func checkSetting(st *Setting) error {
	if st == nil {
		return nil
	}
	if st.DistributionStrategy != "" && !slices.Contains([]string{"combined", "mxpush_only", "ospush_only"}, st.DistributionStrategy) {
		return bad("distribution_strategy %q", st.DistributionStrategy)
	}
	for _, v := range st.OSPushSequence {
		if !slices.Contains([]string{"ups", "fcm", "huawei", "xiaomi", "oppo", "vivo", "meizu"}, v) {
			return bad("ospush_sequence value %q", v)
		}
	}
	return nil
}

func checkMessage(m *Message) error {
	if m == nil {
		return bad("message is required")
	}
	if !slices.Contains([]string{"", "text", "image", "cmd"}, m.Type) {
		return bad("message.type %q must be text, image or cmd", m.Type)
	}
	if m.Type == "image" {
		u := strings.ToLower(m.AttachmentURL)
		if !strings.HasSuffix(u, ".jpg") && !strings.HasSuffix(u, ".jpeg") && !strings.HasSuffix(u, ".png") {
			return bad("attachment_url of an image must end with jpg/jpeg/png")
		}
	}
	if err := checkBadge(m.Badge); err != nil {
		return err
	}
	if e := bytes.TrimSpace(m.Ext); len(e) > 0 && string(e) != "null" && e[0] != '{' {
		return bad("ext must be a JSON object")
	}
	if m.ShowBeginTime < 0 || m.ShowEndTime < 0 {
		return bad("show_begin_time/show_end_time must be epoch seconds")
	}
	return checkVendors(m)
}

// checkBadge: a number sets, "+n" adds, empty means "+1".
func checkBadge(b string) error {
	if b == "" {
		return nil
	}
	if _, err := strconv.ParseUint(strings.TrimPrefix(b, "+"), 10, 31); err != nil {
		return bad("badge %q must be a number or +number", b)
	}
	return nil
}

func checkVendors(m *Message) error {
	blocks := map[string]*Vendor{"android": m.Android, "xiaomi": m.Xiaomi, "oppo": m.OPPO, "flyme": m.Flyme, "fcm": m.FCM}
	if m.Huawei != nil {
		blocks["huawei"] = &m.Huawei.Vendor
	}
	if m.VIVO != nil {
		blocks["vivo"] = &m.VIVO.Vendor
		if m.VIVO.PushMode != 0 && m.VIVO.PushMode != 1 {
			return bad("vivo.push_mode must be 0 or 1")
		}
		if m.VIVO.Classification != 0 && m.VIVO.Classification != 1 {
			return bad("vivo.classification must be 0 or 1")
		}
	}
	for name, v := range blocks {
		if v == nil {
			continue
		}
		switch v.ClickAction {
		case "", "open_app":
		case "intent":
			if v.Intent == "" {
				return bad("%s.intent is required when click_action is intent", name)
			}
		default:
			return bad("%s.click_action %q must be intent or open_app", name, v.ClickAction)
		}
	}
	return nil
}
