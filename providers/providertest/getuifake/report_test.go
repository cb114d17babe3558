package getuifake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// TestGroupReport: single pushes with a group_name are counted under the
// group; the report answers {group: {total, channel...}}.
func TestGroupReport(t *testing.T) {
	s := New(t)
	tok := login(t, s)
	s.SetOnline("c0")
	for i := range 4 {
		body := fmt.Sprintf(`{"request_id":"group-push-%05d","group_name":"spring-ab","audience":{"cid":["c%d"]},"push_message":{"transmission":"x"}}`, i, i)
		if a := call(t, s, http.MethodPost, "/push/single/cid", tok, body); a.Code != 0 {
			t.Fatalf("push: %+v", a)
		}
	}
	a := call(t, s, http.MethodGet, "/report/push/task_group/spring-ab", tok, "")
	var data map[string]map[string]Counts
	if a.Code != 0 || json.Unmarshal(a.Data, &data) != nil {
		t.Fatalf("report %d %+v", a.status, a)
	}
	g, ok := data["spring-ab"]
	if !ok || g["total"].MsgNum != 4 || g["total"].TargetNum != 4 || g["gt"].TargetNum != 1 {
		t.Fatalf("group report %s", a.Data)
	}
	if c, ok := s.GroupCounts("spring-ab"); !ok || c != g["total"] {
		t.Fatalf("GroupCounts %+v, report total %+v", c, g["total"])
	}
	if a := call(t, s, http.MethodGet, "/report/push/task_group/other", tok, ""); a.Code != 0 || string(a.Data) != "{}" {
		t.Fatalf("unknown group: %+v %s", a, a.Data)
	}

	s.SetGroupReport("spring-ab", json.RawMessage(`{"total":{"target_num":9},"hw":{"target_num":9,"receive_num":8}}`))
	a = call(t, s, http.MethodGet, "/report/push/task_group/spring-ab", tok, "")
	if string(a.Data) != `{"spring-ab":{"total":{"target_num":9},"hw":{"target_num":9,"receive_num":8}}}` {
		t.Fatalf("scripted report %s", a.Data)
	}
	s.SetGroupReport("spring-ab", nil)
	if a = call(t, s, http.MethodGet, "/report/push/task_group/spring-ab", tok, ""); json.Unmarshal(a.Data, &data) != nil || data["spring-ab"]["total"].MsgNum != 4 {
		t.Fatalf("counted report again %s", a.Data)
	}
}

func TestGroupReportChecks(t *testing.T) {
	tests := []struct {
		name, method, route, token, body string
		status, code                     int
	}{
		{"plain", "GET", "/report/push/task_group/g1", "ok", "", 200, 0},
		{"all options", "GET", "/report/push/task_group/g1?needGetuiByBrand=true&startDate=2025-01-01&endDate=2025-01-31", "ok", "", 200, 0},
		{"unknown parameter", "GET", "/report/push/task_group/g1?groupName=g1", "ok", "", 400, codeParam},
		{"bad date", "GET", "/report/push/task_group/g1?startDate=20250101", "ok", "", 400, codeParam},
		{"dates reversed", "GET", "/report/push/task_group/g1?startDate=2025-02-01&endDate=2025-01-01", "ok", "", 400, codeParam},
		{"bad flag", "GET", "/report/push/task_group/g1?needGetuiByBrand=1", "ok", "", 400, codeParam},
		{"bad group name", "GET", "/report/push/task_group/a.b", "ok", "", 400, codeParam},
		{"body on GET", "GET", "/report/push/task_group/g1", "ok", `{}`, 400, codeParam},
		{"no token", "GET", "/report/push/task_group/g1", "", "", 401, codeTokenInvalid},
		{"POST", "POST", "/report/push/task_group/g1", "ok", `{}`, 405, 0},
	}
	s := New(t)
	tok := login(t, s)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := ""
			if tc.token != "" {
				tk = tok
			}
			a := call(t, s, tc.method, tc.route, tk, tc.body)
			if a.status != tc.status || a.Code != tc.code {
				t.Fatalf("answer %d %+v, want %d/%d", a.status, a, tc.status, tc.code)
			}
		})
	}
}
