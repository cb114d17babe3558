package wecomfake

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

type statLine struct {
	AgentID int    `json:"agentid"`
	AppName string `json:"app_name"`
	Count   int    `json:"count"`
}

func statistics(t *testing.T, s *Server, tok, body string) (answer, []statLine) {
	t.Helper()
	a := call(t, http.MethodPost, s.URL+PathStatistics+"?access_token="+tok, "application/json", body)
	var out struct {
		Statistics []statLine `json:"statistics"`
	}
	if a.code() == 0 {
		if err := json.Unmarshal([]byte(a.raw), &out); err != nil {
			t.Fatalf("answer %s: %v", a.raw, err)
		}
	}
	return a, out.Statistics
}

func TestStatisticsStrict(t *testing.T) {
	tests := []struct {
		name, body string
		want       int
	}{
		{"today", `{"time_type":0}`, 0},
		{"yesterday", `{"time_type":1}`, 0},
		{"default today", `{}`, 0},
		{"two days ago", `{"time_type":2}`, 40058},
		{"negative", `{"time_type":-1}`, 40058},
		{"string", `{"time_type":"0"}`, 40058},
		{"wrong field name", `{"time":0}`, 40058},
		{"not JSON", `time_type=0`, 40058},
		{"trailing data", `{"time_type":0}{}`, 40058},
	}
	s := New(t)
	tok := getToken(t, s)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := statistics(t, s, tok, tc.body)
			if a.status != 200 || a.code() != tc.want {
				t.Fatalf("answer %d %s, want errcode %d", a.status, a.raw, tc.want)
			}
		})
	}
	t.Run("GET", func(t *testing.T) {
		a := call(t, http.MethodGet, s.URL+PathStatistics+"?access_token="+tok, "application/json", "")
		if a.code() != 40058 {
			t.Fatalf("answer %s", a.raw)
		}
	})
	t.Run("token checks", func(t *testing.T) {
		for tok, want := range map[string]int{"": 41001, "nope": 40014} {
			if a, _ := statistics(t, s, tok, `{"time_type":0}`); a.code() != want {
				t.Errorf("token %q: %s, want %d", tok, a.raw, want)
			}
		}
	})
}

// TestStatisticsCounts: each delivered recipient of an accepted send is a
// person-time of the day it was sent; invalid recipients and suppressed
// duplicates count nothing; a day later today's count is yesterday's.
func TestStatisticsCounts(t *testing.T) {
	s := New(t)
	s.SetAppName("通知")
	s.AddOtherApp(1000005, "其他", 7, 9)
	s.SetInvalidUsers("gone")
	tok := getToken(t, s)
	send := func(body string) {
		t.Helper()
		if a := call(t, http.MethodPost, s.URL+PathSend+"?access_token="+tok, "application/json", body); a.code() != 0 {
			t.Fatalf("send: %s", a.raw)
		}
	}
	send(`{"touser":"a|b|gone","msgtype":"text","agentid":1000002,"text":{"content":"1"}}`)
	dup := `{"touser":"c","msgtype":"text","agentid":1000002,"text":{"content":"2"},"enable_duplicate_check":1}`
	send(dup)
	send(dup)

	_, today := statistics(t, s, tok, `{"time_type":0}`)
	want := []statLine{{1000002, "通知", 3}, {1000005, "其他", 7}}
	if len(today) != 2 || today[0] != want[0] || today[1] != want[1] {
		t.Fatalf("today %+v, want %+v", today, want)
	}
	if _, y := statistics(t, s, tok, `{"time_type":1}`); len(y) != 2 || y[0].Count != 0 || y[1].Count != 9 {
		t.Fatalf("yesterday %+v", y)
	}

	s.Advance(24 * time.Hour)
	tok = getToken(t, s)
	if _, y := statistics(t, s, tok, `{"time_type":1}`); y[0].Count != 3 {
		t.Fatalf("a day later, yesterday %+v", y)
	}
	if _, td := statistics(t, s, tok, `{}`); td[0].Count != 0 {
		t.Fatalf("a day later, today %+v", td)
	}
}
