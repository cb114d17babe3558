package wecom

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pushdeck/pushdeck/providers"
)

// Field keys of WeCom's message settings, as the campaign body and its
// field errors name them.
const (
	fieldButton   = "message.wecom.btntxt"
	fieldArticles = "message.wecom.articles"
)

// normalize is Capabilities.Normalize: trimmed click URL and articles,
// and a text card's tap action, which can only be opening its URL.
func normalize(m *providers.Message) {
	m.Click.URL = strings.TrimSpace(m.Click.URL)
	if m.Type == providers.TypeTextCard && m.Click.Action == "" {
		m.Click.Action = providers.ClickURL
	}
	for i := range m.WeCom.Articles {
		a := &m.WeCom.Articles[i]
		a.Title, a.URL, a.PicURL, a.Description = strings.TrimSpace(a.Title), strings.TrimSpace(a.URL), strings.TrimSpace(a.PicURL), strings.TrimSpace(a.Description)
	}
}

// check is Capabilities.Check: the four app message types' texts, tap
// action and options, with WeCom's limits (in bytes, as WeCom counts). The
// client refuses the same messages at send time with WeCom's errcodes.
func check(m providers.Message) []providers.Problem {
	var ps problems
	w := m.WeCom
	switch m.Type {
	case providers.TypeText, providers.TypeMarkdown:
		ps.required("message.body", m.Body)
		ps.maxBytes("message.body", m.Body, MaxContentBytes)
		ps.maxBytes("message.title", m.Title, maxTitleBytes)
	case providers.TypeTextCard:
		ps.required("message.title", m.Title)
		ps.required("message.body", m.Body)
		ps.maxBytes("message.title", m.Title, maxTitleBytes)
		ps.maxBytes("message.body", m.Body, maxDescriptionBytes)
		if utf8.RuneCountInString(w.ButtonText) > maxButtonRunes {
			ps.add(fieldButton, "err.too_long", map[string]any{"Max": maxButtonRunes})
		}
	case providers.TypeNews:
		ps.notForType("message.title", m.Title != "", m.Type)
		ps.notForType("message.body", m.Body != "", m.Type)
		ps.articles(w.Articles)
	}
	ps.click(m)
	ps.notForType(fieldButton, w.ButtonText != "" && m.Type != providers.TypeTextCard, m.Type)
	ps.notForType(fieldArticles, len(w.Articles) > 0 && m.Type != providers.TypeNews, m.Type)
	ps.notForType("message.wecom.safe", w.Safe && m.Type != providers.TypeText, m.Type)
	ps.notForType("message.wecom.enable_id_trans", w.EnableIDTrans && m.Type == providers.TypeMarkdown, m.Type)
	if w.DuplicateCheckInterval < 0 || w.DuplicateCheckInterval > MaxDuplicateCheckInterval*time.Second {
		ps.add("message.wecom.duplicate_check_interval", "err.range", map[string]any{"Min": 0, "Max": MaxDuplicateCheckInterval})
	}
	return ps
}

// problems collects field problems; a field keeps its first.
type problems []providers.Problem

func (ps *problems) add(field, id string, args map[string]any) {
	for _, p := range *ps {
		if p.Field == field {
			return
		}
	}
	*ps = append(*ps, providers.Problem{Field: field, MsgID: id, Args: args})
}

func (ps *problems) required(field, s string) {
	if s == "" {
		ps.add(field, "err.required", nil)
	}
}

func (ps *problems) maxBytes(field, s string, max int) {
	if len(s) > max {
		ps.add(field, "err.too_long_bytes", map[string]any{"Max": max})
	}
}

func (ps *problems) notForType(field string, set bool, t providers.MessageType) {
	if set {
		ps.add(field, "err.not_for_type", map[string]any{"Type": string(t)})
	}
}

// click: only a text card opens something (its URL); the other types have
// no tap action to set.
func (ps *problems) click(m providers.Message) {
	c := m.Click
	if m.Type != providers.TypeTextCard {
		used := (c.Action != "" && c.Action != providers.ClickNone && c.Action != providers.ClickStartApp) || c.URL != "" || c.Intent != "" || c.Payload != ""
		ps.notForType("message.click.action", used, m.Type)
		return
	}
	switch {
	case c.Action != "" && c.Action != providers.ClickURL:
		ps.add("message.click.action", "err.textcard_url", nil)
	case c.URL == "":
		ps.add("message.click.url", "err.required", nil)
	case !httpURL(c.URL):
		ps.add("message.click.url", "err.url", nil)
	default:
		ps.maxBytes("message.click.url", c.URL, maxURLBytes)
	}
}

// articles checks a news message's 1–8 articles; the problem names the
// article by number (its line in the composer).
func (ps *problems) articles(arts []providers.Article) {
	if len(arts) == 0 || len(arts) > MaxArticles {
		ps.add(fieldArticles, "err.articles_count", map[string]any{"Max": MaxArticles})
		return
	}
	for i, a := range arts {
		n := map[string]any{"N": i + 1}
		switch {
		case a.Title == "" || len(a.Title) > maxTitleBytes:
			ps.add(fieldArticles, "err.article_title", map[string]any{"N": i + 1, "Max": maxTitleBytes})
		case !httpURL(a.URL) || len(a.URL) > maxURLBytes:
			ps.add(fieldArticles, "err.article_url", n)
		case a.PicURL != "" && !httpURL(a.PicURL):
			ps.add(fieldArticles, "err.article_pic", n)
		case len(a.Description) > maxDescriptionBytes:
			ps.add(fieldArticles, "err.article_description", map[string]any{"N": i + 1, "Max": maxDescriptionBytes})
		default:
			continue
		}
		return
	}
}

func httpURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
