package wecom

import (
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// TestCheck pins WeCom's app message rules as the composer's field
// problems, after Normalize, as the engine runs them.
func TestCheck(t *testing.T) {
	art := func(n int) []providers.Article {
		out := make([]providers.Article, n)
		for i := range out {
			out[i] = providers.Article{Title: " A ", URL: " https://e.com/a "}
		}
		return out
	}
	tests := []struct {
		name      string
		m         providers.Message
		field, id string // "" means no problem
	}{
		{"text", providers.Message{Type: providers.TypeText, Body: "hi"}, "", ""},
		{"text 2048 bytes", providers.Message{Type: providers.TypeText, Body: strings.Repeat("a", 2048)}, "", ""},
		{"text 2049 bytes", providers.Message{Type: providers.TypeText, Body: strings.Repeat("a", 2049)}, "message.body", "err.too_long_bytes"},
		{"text without body", providers.Message{Type: providers.TypeText}, "message.body", "err.required"},
		{"text card", providers.Message{Type: providers.TypeTextCard, Title: "t", Body: "b", Click: providers.Click{URL: " https://e.com "}}, "", ""},
		{"text card without URL", providers.Message{Type: providers.TypeTextCard, Title: "t", Body: "b"}, "message.click.url", "err.required"},
		{"text card intent", providers.Message{Type: providers.TypeTextCard, Title: "t", Body: "b", Click: providers.Click{Action: providers.ClickIntent}}, "message.click.action", "err.textcard_url"},
		{"button over 4", providers.Message{Type: providers.TypeTextCard, Title: "t", Body: "b", Click: providers.Click{URL: "https://e.com"},
			WeCom: providers.WeComOptions{ButtonText: "Read it"}}, fieldButton, "err.too_long"},
		{"button on text", providers.Message{Type: providers.TypeText, Body: "b", WeCom: providers.WeComOptions{ButtonText: "Go"}}, fieldButton, "err.not_for_type"},
		{"news", providers.Message{Type: providers.TypeNews, WeCom: providers.WeComOptions{Articles: art(8)}}, "", ""},
		{"news without articles", providers.Message{Type: providers.TypeNews}, fieldArticles, "err.articles_count"},
		{"nine articles", providers.Message{Type: providers.TypeNews, WeCom: providers.WeComOptions{Articles: art(9)}}, fieldArticles, "err.articles_count"},
		{"article without URL", providers.Message{Type: providers.TypeNews, WeCom: providers.WeComOptions{Articles: []providers.Article{{Title: "T"}}}}, fieldArticles, "err.article_url"},
		{"news with a body", providers.Message{Type: providers.TypeNews, Body: "b", WeCom: providers.WeComOptions{Articles: art(1)}}, "message.body", "err.not_for_type"},
		{"safe markdown", providers.Message{Type: providers.TypeMarkdown, Body: "b", WeCom: providers.WeComOptions{Safe: true}}, "message.wecom.safe", "err.not_for_type"},
		{"id trans markdown", providers.Message{Type: providers.TypeMarkdown, Body: "b", WeCom: providers.WeComOptions{EnableIDTrans: true}}, "message.wecom.enable_id_trans", "err.not_for_type"},
		{"click on text", providers.Message{Type: providers.TypeText, Body: "b", Click: providers.Click{Action: providers.ClickURL}}, "message.click.action", "err.not_for_type"},
		{"interval over 4h", providers.Message{Type: providers.TypeText, Body: "b", WeCom: providers.WeComOptions{DuplicateCheckInterval: 5 * time.Hour}},
			"message.wecom.duplicate_check_interval", "err.range"},
	}
	caps := Capabilities()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			caps.Normalize(&m)
			ps := caps.Check(m)
			if tc.field == "" {
				if len(ps) != 0 {
					t.Fatalf("want no problem, got %+v", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Field != tc.field || ps[0].MsgID != tc.id {
				t.Fatalf("got %+v, want one %s on %s", ps, tc.id, tc.field)
			}
		})
	}
}

// TestNormalize: trimmed articles and click URL, and a text card opens its
// URL.
func TestNormalize(t *testing.T) {
	m := providers.Message{Type: providers.TypeTextCard, Click: providers.Click{URL: " https://e.com "},
		WeCom: providers.WeComOptions{Articles: []providers.Article{{Title: " T ", URL: " u ", PicURL: " p ", Description: " d "}}}}
	Capabilities().Normalize(&m)
	if m.Click.Action != providers.ClickURL || m.Click.URL != "https://e.com" {
		t.Errorf("click %+v", m.Click)
	}
	if a := m.WeCom.Articles[0]; a != (providers.Article{Title: "T", URL: "u", PicURL: "p", Description: "d"}) {
		t.Errorf("article %+v", a)
	}
}
