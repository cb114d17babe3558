package mxpush

import (
	"encoding/json"
	"testing"
)

// TestPlainOK: the usual answer is read without encoding/json, and every
// other form is left to it (so it reads the same task id, or refuses).
func TestPlainOK(t *testing.T) {
	tests := []struct {
		raw  string
		data string // "" when the form is left to encoding/json
		task string
	}{
		{raw: `{"code":200,"data":{"task_id":3000000001},"message":null}` + "\n", data: `{"task_id":3000000001}`, task: "3000000001"},
		{raw: `{"code":200,"data":true,"message":null}`, data: `true`},
		{raw: `{"code":200,"data":null,"message":null}`, data: `null`},
		{raw: `{"code":200,"message":null,"data":{"task_id":7}}`, task: "7"},
		{raw: `{"code":200, "data":{"task_id":7},"message":null}`, task: "7"},
		{raw: `{"code":200,"data":{"task_id":07},"message":null}`},
		{raw: `{"code":200,"data":{"task_id":"7"},"message":null}`},
		{raw: `{"code":200,"data":{"task_id":99999999999999999999},"message":null}`},
		{raw: `{"code":200,"data":{"task_id":7,"x":1},"message":null}`, task: "7"},
		{raw: `{"code":12005,"data":{"task_id":7},"message":null}`},
		{raw: `{"code":200,"data":{"task_id":7}},"message":null}`},
	}
	for _, tc := range tests {
		data, ok := plainOK([]byte(tc.raw))
		if ok != (tc.data != "") || string(data) != tc.data {
			t.Errorf("plainOK(%s) = %s, %v; want %q", tc.raw, data, ok, tc.data)
		}
		if tc.task == "" || ok {
			if ok && tc.task != "" {
				if id, err := parseNotifyData(data); err != nil || id != tc.task {
					t.Errorf("task id of %s = %q, %v; want %s", tc.raw, id, err, tc.task)
				}
			}
			continue
		}
		// Left to encoding/json: the envelope's data still names the task.
		var env envelope
		if err := json.Unmarshal([]byte(tc.raw), &env); err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		if id, err := parseNotifyData(env.Data); err != nil || id != tc.task {
			t.Errorf("task id of %s = %q, %v; want %s", tc.raw, id, err, tc.task)
		}
	}
}
