package getui

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

func batchReqs(kind providers.AudienceKind, ids ...string) []providers.SendRequest {
	out := make([]providers.SendRequest, len(ids))
	for i, id := range ids {
		m := notify()
		m.Title = "hello " + id
		out[i] = providers.SendRequest{RequestID: fmt.Sprintf("batch-req-%05d", i), Message: m,
			Target: providers.Target{Kind: kind, Values: []string{id}}}
	}
	return out
}

func TestSendBatchSingle(t *testing.T) {
	srv := getuifake.New(t)
	srv.SetOnline("on1")
	srv.SetInvalid("bad1")
	c := newTestClient(t, srv)
	reqs := batchReqs(providers.AudienceCID, "on1", "bad1", "off1")
	res, err := c.SendBatchSingle(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status providers.DeliveryStatus
		code   string
	}{
		{providers.StatusAccepted, "successed_online"},
		{providers.StatusInvalid, "successed_ignore"},
		{providers.StatusAccepted, "successed_offline"},
	}
	if len(res) != len(reqs) {
		t.Fatalf("results = %d", len(res))
	}
	seen := map[string]bool{}
	for i, r := range res {
		if r.TaskID == "" || seen[r.TaskID] || len(r.Outcomes) != 1 {
			t.Fatalf("result %d = %+v", i, r)
		}
		seen[r.TaskID] = true
		o := r.Outcomes[0]
		if o.Recipient != reqs[i].Target.Values[0] || o.Status != want[i].status || o.Code != want[i].code {
			t.Errorf("result %d outcome = %+v", i, o)
		}
	}
	calls := srv.RequestsTo("/push/single/batch/cid")
	if len(calls) != 1 {
		t.Fatalf("batch calls = %d", len(calls))
	}
	var body struct {
		IsAsync bool              `json:"is_async"`
		MsgList []json.RawMessage `json:"msg_list"`
	}
	if err := json.Unmarshal(calls[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.IsAsync || len(body.MsgList) != 3 {
		t.Fatalf("batch body = %s", calls[0].Body)
	}
	var first map[string]any
	if err := json.Unmarshal(body.MsgList[0], &first); err != nil {
		t.Fatal(err)
	}
	aud, _ := json.Marshal(first["audience"])
	sameJSON(t, aud, `{"cid":["on1"]}`)
	if first["request_id"] != "batch-req-00000" {
		t.Errorf("request_id = %v", first["request_id"])
	}

	// The same batch again: every request_id was seen, nothing is sent.
	again, err := c.SendBatchSingle(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again {
		if r.TaskID != "" || len(r.Outcomes) != 0 {
			t.Errorf("repeated result %d = %+v", i, r)
		}
	}
}

func TestSendBatchSingleAlias(t *testing.T) {
	srv := getuifake.New(t)
	c := newTestClient(t, srv)
	res, err := c.SendBatchSingle(context.Background(), batchReqs(providers.AudienceAlias, "alice", "bob"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || len(res[1].Outcomes) != 1 || res[1].Outcomes[0].Recipient != "bob" {
		t.Fatalf("results = %+v", res)
	}
	if n := countRoute(srv, "/push/single/batch/alias"); n != 1 {
		t.Fatalf("batch alias calls = %d", n)
	}
}

func TestSendBatchSingleAllInvalid(t *testing.T) {
	srv := getuifake.New(t)
	srv.SetInvalid("bad1", "bad2")
	c := newTestClient(t, srv)
	res, err := c.SendBatchSingle(context.Background(), batchReqs(providers.AudienceCID, "bad1", "bad2"))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if len(r.Outcomes) != 1 || r.Outcomes[0].Status != providers.StatusInvalid || r.Outcomes[0].Code != "20001" {
			t.Errorf("result %d = %+v", i, r)
		}
	}
}

func TestSendBatchSingleRefused(t *testing.T) {
	mixed := batchReqs(providers.AudienceCID, "a", "b")
	mixed[1].Target.Kind = providers.AudienceAlias
	repeated := batchReqs(providers.AudienceCID, "a", "b")
	repeated[1].RequestID = repeated[0].RequestID
	two := batchReqs(providers.AudienceCID, "a")
	two[0].Target.Values = []string{"a", "b"}
	tests := []struct {
		name     string
		reqs     []providers.SendRequest
		wantCode string
	}{
		{"empty", nil, "msg_list"},
		{"201 messages", batchReqs(providers.AudienceCID, cids(201)...), "msg_list"},
		{"mixed kinds", mixed, "audience"},
		{"repeated request id", repeated, "request_id"},
		{"two recipients in one message", two, "audience"},
		{"tag target", []providers.SendRequest{{RequestID: "batch-tag-00001", Message: notify(),
			Target: providers.Target{Kind: providers.AudienceTag, Values: []string{"x"}}}}, "audience"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := getuifake.New(t)
			c := newTestClient(t, srv)
			_, err := c.SendBatchSingle(context.Background(), tc.reqs)
			wantError(t, err, providers.Permanent, tc.wantCode)
			if n := len(srv.Requests()); n != 0 {
				t.Fatalf("%d requests reached the server", n)
			}
		})
	}
}
