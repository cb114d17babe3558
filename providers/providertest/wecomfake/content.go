package wecomfake

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// checkContent checks the msgtype object strictly and its documented
// limits. textcard and news titles/descriptions above 128/512 bytes are
// truncated by WeCom rather than refused, so the fake accepts them too.
func checkContent(b *sendBody, msgType string) (reply, bool) {
	switch msgType {
	case "text", "markdown":
		raw := b.Text
		if msgType == "markdown" {
			raw = b.Markdown
		}
		var c contentObj
		if raw != nil {
			if err := strictDecode(raw, &c); err != nil {
				return badJSON(err), false
			}
		}
		switch n := len(deref(c.Content)); {
		case n == 0:
			return errReply(44004, "empty content"), false
		case n > MaxContentBytes:
			return errReply(45002, fmt.Sprintf("content size out of limit: %d > %d bytes", n, MaxContentBytes)), false
		}
	case "textcard":
		return checkTextCard(b)
	case "news":
		return checkNews(b)
	}
	return reply{}, true
}

func checkTextCard(b *sendBody) (reply, bool) {
	var c textCardObj
	if b.TextCard == nil {
		return errReply(41016, "missing title"), false
	}
	if err := strictDecode(b.TextCard, &c); err != nil {
		return badJSON(err), false
	}
	switch {
	case deref(c.Title) == "":
		return errReply(41016, "missing title"), false
	case deref(c.Description) == "":
		return errReply(41033, "missing description"), false
	case utf8.RuneCountInString(deref(c.BtnTxt)) > 4:
		return errReply(40058, "invalid Request Parameter, btntxt longer than 4 characters"), false
	}
	return checkURL(deref(c.URL), true)
}

func checkNews(b *sendBody) (reply, bool) {
	var n newsObj
	if b.News == nil {
		return errReply(40058, "invalid Request Parameter, news.articles missing"), false
	}
	if err := strictDecode(b.News, &n); err != nil {
		return badJSON(err), false
	}
	switch {
	case len(n.Articles) == 0:
		return errReply(40058, "invalid Request Parameter, news.articles empty"), false
	case len(n.Articles) > MaxArticles:
		return errReply(45008, fmt.Sprintf("article size out of limit: %d > %d", len(n.Articles), MaxArticles)), false
	}
	for _, a := range n.Articles {
		if deref(a.Title) == "" {
			return errReply(41016, "missing title"), false
		}
		// url or a mini-program (appid) must be given.
		if rep, ok := checkURL(deref(a.URL), deref(a.AppID) == ""); !ok {
			return rep, false
		}
		if rep, ok := checkURL(deref(a.PicURL), false); !ok {
			return rep, false
		}
	}
	return reply{}, true
}

func checkURL(u string, required bool) (reply, bool) {
	switch {
	case u == "" && required:
		return errReply(41010, "missing url"), false
	case u == "":
		return reply{}, true
	case len(u) > 2048:
		return errReply(40058, "invalid Request Parameter, url longer than 2048 bytes"), false
	case !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://"):
		return errReply(45034, "url must start with http:// or https://"), false
	}
	return reply{}, true
}

type recallBody struct {
	MsgID *string `json:"msgid"`
}

// recall serves POST /cgi-bin/message/recall after the token check: known
// msgids of the last 24 hours (42052 older). [I] An unknown or already
// recalled msgid answers 40058, the doc's code for a recall that does not
// match a message of this app. Called with s.mu held.
func (s *Server) recall(_ *http.Request, body []byte) reply {
	var rb recallBody
	if err := strictDecode(body, &rb); err != nil {
		return badJSON(err)
	}
	id := deref(rb.MsgID)
	if id == "" {
		return errReply(40058, "invalid Request Parameter, msgid missing")
	}
	for i := range s.messages {
		m := &s.messages[i]
		if m.MsgID != id || m.Duplicate {
			continue
		}
		switch {
		case m.Recalled:
			return errReply(40058, "invalid Request Parameter, msg already recalled")
		case !s.now().Before(m.At.Add(recallWindow)):
			return errReply(42052, "msgid expired")
		}
		m.Recalled = true
		return okReply(0, map[string]any{"errcode": 0, "errmsg": "ok"})
	}
	return errReply(40058, "invalid Request Parameter, invalid msgid")
}
