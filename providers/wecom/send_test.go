package wecom

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// seedText is WeCom's documented text request example, verbatim.
const seedText = `{
   "touser" : "UserID1|UserID2|UserID3",
   "toparty" : "PartyID1|PartyID2",
   "totag" : "TagID1 | TagID2",
   "msgtype" : "text",
   "agentid" : 1,
   "text" : {
       "content" : "你的快遞已到,請攜帶工卡前往郵件中心領取。\n出發前可查看<a href=\"http://work.weixin.qq.com\">郵件中心視頻實況</a>,聰明避開排隊。"
   },
   "safe":0,
   "enable_id_trans": 0,
   "enable_duplicate_check": 0,
   "duplicate_check_interval": 1800
}`

const seedContent = "你的快遞已到,請攜帶工卡前往郵件中心領取。\n出發前可查看<a href=\"http://work.weixin.qq.com\">郵件中心視頻實況</a>,聰明避開排隊。"

// golden decodes a JSON literal, dropping the keys a one-target request
// cannot carry (a Target addresses users, parties or tags, not all three).
func golden(t *testing.T, literal string, drop ...string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(literal), &m); err != nil {
		t.Fatalf("golden literal: %v", err)
	}
	for _, k := range drop {
		delete(m, k)
	}
	return m
}

func lastSendBody(t *testing.T, srv *wecomfake.Server) map[string]any {
	t.Helper()
	var last []byte
	for _, r := range srv.Requests() {
		if r.Path == wecomfake.PathSend {
			last = r.Body
		}
	}
	var m map[string]any
	if err := json.Unmarshal(last, &m); err != nil {
		t.Fatalf("recorded body %q: %v", last, err)
	}
	return m
}

func TestSendGoldenBodies(t *testing.T) {
	card := `<div class="gray">2016年9月26日</div> <div class="normal">恭喜你抽中iPhone 7一台，领奖码：xxxx</div><div class="highlight">请于2016年10月10日前联系行政同事领取</div>`
	tests := []struct {
		name string
		req  providers.SendRequest
		want map[string]any
	}{
		{
			name: "seed text to users",
			req:  textTo(providers.AudienceUserID, seedContent, "UserID1", "UserID2", "UserID3"),
			want: golden(t, seedText, "toparty", "totag"),
		},
		{
			name: "seed text to parties",
			req:  textTo(providers.AudienceParty, seedContent, "PartyID1", "PartyID2"),
			want: golden(t, seedText, "touser", "totag"),
		},
		{
			name: "seed GetContent to one cid",
			req:  textTo(providers.AudienceCID, "推送測試", "userid"),
			want: golden(t, `{"touser":"userid","msgtype":"text","agentid":1,"text":{"content":"推送測試"},"safe":0,"enable_id_trans":0,"enable_duplicate_check":0,"duplicate_check_interval":1800}`),
		},
		{
			name: "all",
			req:  textTo(providers.AudienceAll, "hello"),
			want: golden(t, `{"touser":"@all","msgtype":"text","agentid":1,"text":{"content":"hello"},"safe":0,"enable_id_trans":0,"enable_duplicate_check":0,"duplicate_check_interval":1800}`),
		},
		{
			name: "text to tags, safe, duplicate check 1h",
			req: providers.SendRequest{RequestID: "req-0000000002",
				Message: providers.Message{Type: providers.TypeText, Body: "secret",
					WeCom: providers.WeComOptions{Safe: true, EnableIDTrans: true, DuplicateCheck: true, DuplicateCheckInterval: time.Hour}},
				Target: providers.Target{Kind: providers.AudienceTag, Values: []string{"TagID1", "TagID2"}}},
			want: golden(t, `{"totag":"TagID1|TagID2","msgtype":"text","agentid":1,"text":{"content":"secret"},"safe":1,"enable_id_trans":1,"enable_duplicate_check":1,"duplicate_check_interval":3600}`),
		},
		{
			name: "textcard (documented example)",
			req: providers.SendRequest{RequestID: "req-0000000003",
				Message: providers.Message{Type: providers.TypeTextCard, Title: "领奖通知", Body: card,
					Click: providers.Click{Action: providers.ClickURL, URL: "https://work.weixin.qq.com"},
					WeCom: providers.WeComOptions{ButtonText: "更多"}},
				Target: providers.Target{Kind: providers.AudienceUserID, Values: []string{"UserID1", "UserID2", "UserID3"}}},
			want: golden(t, `{"touser":"UserID1|UserID2|UserID3","msgtype":"textcard","agentid":1,"textcard":{"title":"领奖通知","description":`+jsonString(card)+`,"url":"https://work.weixin.qq.com","btntxt":"更多"},"enable_id_trans":0,"enable_duplicate_check":0,"duplicate_check_interval":1800}`),
		},
		{
			name: "markdown (documented example)",
			req: providers.SendRequest{RequestID: "req-0000000004",
				Message: providers.Message{Type: providers.TypeMarkdown, Title: "ignored", Body: "您的会议室已经预定，稍后会同步到`邮箱`"},
				Target:  providers.Target{Kind: providers.AudienceAlias, Values: []string{"UserID1"}}},
			want: golden(t, "{\"touser\":\"UserID1\",\"msgtype\":\"markdown\",\"agentid\":1,\"markdown\":{\"content\":\"您的会议室已经预定，稍后会同步到`邮箱`\"},\"enable_duplicate_check\":0,\"duplicate_check_interval\":1800}"),
		},
		{
			name: "news (documented example)",
			req: providers.SendRequest{RequestID: "req-0000000005",
				Message: providers.Message{Type: providers.TypeNews, WeCom: providers.WeComOptions{Articles: []providers.Article{{
					Title: "中秋节礼品领取", Description: "今年中秋节公司有豪礼相送", URL: "https://work.weixin.qq.com",
					PicURL: "http://res.mail.qq.com/node/ww/wwopenmng/images/independent/doc/test_pic_msg1.png"}}}},
				Target: providers.Target{Kind: providers.AudienceUserID, Values: []string{"UserID1"}}},
			want: golden(t, `{"touser":"UserID1","msgtype":"news","agentid":1,"news":{"articles":[{"title":"中秋节礼品领取","description":"今年中秋节公司有豪礼相送","url":"https://work.weixin.qq.com","picurl":"http://res.mail.qq.com/node/ww/wwopenmng/images/independent/doc/test_pic_msg1.png"}]},"enable_id_trans":0,"enable_duplicate_check":0,"duplicate_check_interval":1800}`),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomfake.New(t, wecomfake.WithApp(wecomfake.DefaultCorpID, wecomfake.DefaultCorpSecret, 1))
			c := newClient(t, srv, nil, nil)
			res, err := c.Send(context.Background(), tc.req)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := lastSendBody(t, srv); !reflect.DeepEqual(got, tc.want) {
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(tc.want)
				t.Fatalf("body\n got %s\nwant %s", gj, wj)
			}
			if m, ok := srv.Message(res.TaskID); !ok || len(m.Delivered) == 0 {
				t.Fatalf("TaskID %q is not a delivered msgid (%+v)", res.TaskID, m)
			}
			if len(res.Outcomes) != 0 {
				t.Fatalf("unexpected outcomes %+v", res.Outcomes)
			}
		})
	}
}

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestSendRefusedBeforeAnyCall(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "u" + strings.Repeat("x", i%5) + string(rune('a'+i%26))
		}
		return out
	}
	msg := func(mt providers.MessageType, mod func(*providers.Message)) providers.Message {
		m := providers.Message{Type: mt, Title: "t", Body: "b", Click: providers.Click{Action: providers.ClickURL, URL: "https://e.com"},
			WeCom: providers.WeComOptions{Articles: []providers.Article{{Title: "a", URL: "https://e.com"}}}}
		if mod != nil {
			mod(&m)
		}
		return m
	}
	users := providers.Target{Kind: providers.AudienceUserID, Values: []string{"u1"}}
	tests := []struct {
		name     string
		msg      providers.Message
		target   providers.Target
		wantCode string
		wantMsg  string
	}{
		{"1001 users", msg(providers.TypeText, nil), providers.Target{Kind: providers.AudienceCID, Values: ids(1001)}, "40032", "at most 1000"},
		{"101 parties", msg(providers.TypeText, nil), providers.Target{Kind: providers.AudienceParty, Values: ids(101)}, "82002", "at most 100"},
		{"101 tags", msg(providers.TypeText, nil), providers.Target{Kind: providers.AudienceTag, Values: ids(101)}, "82003", "at most 100"},
		{"empty list", msg(providers.TypeText, nil), providers.Target{Kind: providers.AudienceAlias}, "82001", "empty"},
		{"id with separator", msg(providers.TypeText, nil), providers.Target{Kind: providers.AudienceUserID, Values: []string{"a|b"}}, "40058", "separator"},
		{"@all inside a list", msg(providers.TypeText, nil), providers.Target{Kind: providers.AudienceUserID, Values: []string{"@all"}}, "40058", "@all"},
		{"all with values", msg(providers.TypeText, nil), providers.Target{Kind: providers.AudienceAll, Values: []string{"x"}}, "40058", "no values"},
		{"conditions", msg(providers.TypeText, nil), providers.Target{Kind: providers.AudienceConditions}, "unsupported_audience", "conditions"},
		{"push_token", msg(providers.TypeText, nil), providers.Target{Kind: providers.AudiencePushToken, Values: []string{"x"}}, "unsupported_audience", "push_token"},
		{"notification type", msg(providers.TypeNotification, nil), users, "40008", "notification"},
		{"text 2049 bytes", msg(providers.TypeText, func(m *providers.Message) { m.Body = strings.Repeat("a", 2049) }), users, "45002", "at most 2048 bytes"},
		{"text 683 CJK chars", msg(providers.TypeText, func(m *providers.Message) { m.Body = strings.Repeat("中", 683) }), users, "45002", "2049 bytes"},
		{"text empty", msg(providers.TypeText, func(m *providers.Message) { m.Body = "" }), users, "44004", "empty"},
		{"markdown 2049 bytes", msg(providers.TypeMarkdown, func(m *providers.Message) { m.Body = strings.Repeat("a", 2049) }), users, "45002", "2048"},
		{"interval over 4h", msg(providers.TypeText, func(m *providers.Message) {
			m.WeCom.DuplicateCheck, m.WeCom.DuplicateCheckInterval = true, 4*time.Hour+time.Second
		}), users, "40058", "at most 4h"},
		{"negative interval", msg(providers.TypeText, func(m *providers.Message) { m.WeCom.DuplicateCheckInterval = -time.Second }), users, "40058", "negative"},
		{"safe markdown", msg(providers.TypeMarkdown, func(m *providers.Message) { m.WeCom.Safe = true }), users, "40058", "markdown"},
		{"id trans markdown", msg(providers.TypeMarkdown, func(m *providers.Message) { m.WeCom.EnableIDTrans = true }), users, "40058", "enable_id_trans"},
		{"safe news", msg(providers.TypeNews, func(m *providers.Message) { m.WeCom.Safe = true }), users, "40074", "safe"},
		{"safe textcard", msg(providers.TypeTextCard, func(m *providers.Message) { m.WeCom.Safe = true }), users, "40058", "safe"},
		{"textcard no title", msg(providers.TypeTextCard, func(m *providers.Message) { m.Title = "" }), users, "41016", "title"},
		{"textcard no description", msg(providers.TypeTextCard, func(m *providers.Message) { m.Body = "" }), users, "41033", "description"},
		{"textcard no url", msg(providers.TypeTextCard, func(m *providers.Message) { m.Click.URL = "" }), users, "41010", "url"},
		{"textcard url without scheme", msg(providers.TypeTextCard, func(m *providers.Message) { m.Click.URL = "e.com" }), users, "45034", "http"},
		{"textcard button 5 chars", msg(providers.TypeTextCard, func(m *providers.Message) { m.WeCom.ButtonText = "查看详情啊" }), users, "40058", "btntxt"},
		{"textcard title 129 bytes", msg(providers.TypeTextCard, func(m *providers.Message) { m.Title = strings.Repeat("t", 129) }), users, "40058", "128"},
		{"news no articles", msg(providers.TypeNews, func(m *providers.Message) { m.WeCom.Articles = nil }), users, "40058", "article"},
		{"news 9 articles", msg(providers.TypeNews, func(m *providers.Message) {
			m.WeCom.Articles = make([]providers.Article, 9)
			for i := range m.WeCom.Articles {
				m.WeCom.Articles[i] = providers.Article{Title: "a", URL: "https://e.com"}
			}
		}), users, "45008", "at most 8"},
		{"news article without url", msg(providers.TypeNews, func(m *providers.Message) { m.WeCom.Articles[0].URL = "" }), users, "41010", "article 1 url"},
	}
	srv := wecomfake.New(t)
	c := newClient(t, srv, nil, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Send(context.Background(), providers.SendRequest{RequestID: "req-0000000009", Message: tc.msg, Target: tc.target})
			pe := wantClass(t, err, providers.Permanent, tc.wantCode)
			if !strings.Contains(pe.Msg, tc.wantMsg) {
				t.Fatalf("Msg %q does not mention %q", pe.Msg, tc.wantMsg)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d calls reached the server; refusals must precede any call", n)
	}
}

func TestSendAtLimits(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "id" + strings.Repeat("0", 4) + strconv.Itoa(i)
		}
		return out
	}
	tests := []struct {
		name   string
		target providers.Target
		body   string
	}{
		{"1000 users", providers.Target{Kind: providers.AudienceUserID, Values: ids(1000)}, "x"},
		{"100 parties", providers.Target{Kind: providers.AudienceParty, Values: ids(100)}, "x"},
		{"100 tags", providers.Target{Kind: providers.AudienceTag, Values: ids(100)}, "x"},
		{"2048 bytes", providers.Target{Kind: providers.AudienceUserID, Values: []string{"u"}}, strings.Repeat("a", 2048)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomfake.New(t)
			c := newClient(t, srv, nil, nil)
			req := textTo(tc.target.Kind, tc.body, tc.target.Values...)
			req.Message.WeCom = providers.WeComOptions{DuplicateCheck: true, DuplicateCheckInterval: 4 * time.Hour}
			if _, err := c.Send(context.Background(), req); err != nil {
				t.Fatalf("Send at the limit: %v", err)
			}
		})
	}
}
