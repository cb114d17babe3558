package getui

import (
	"context"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

func TestRepeatedRequestID(t *testing.T) {
	single := providers.SendRequest{RequestID: "dup-single-00001", Message: notify(),
		Target: providers.Target{Kind: providers.AudienceCID, Values: []string{"c1"}}}
	list := providers.SendRequest{RequestID: "dup-list-0000001", Message: notify(),
		Target: providers.Target{Kind: providers.AudienceCID, Values: []string{"c1", "c2"}}}
	tests := []struct {
		name      string
		replay    bool
		req       providers.SendRequest
		newClient bool // the retry comes from a fresh client (a restarted process)
		wantSame  bool // the retry returns the first task id
		wantCode  string
	}{
		{name: "single dropped", req: single},
		{name: "single replayed", replay: true, req: single, wantSame: true},
		{name: "list retried by the same client reuses its task", req: list, wantSame: true},
		{name: "list retried after a restart, dropped", req: list, newClient: true, wantCode: "duplicate_request_id"},
		{name: "list retried after a restart, replayed", replay: true, req: list, newClient: true, wantSame: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := getuifake.New(t)
			srv.SetDuplicateReplay(tc.replay)
			c := newTestClient(t, srv)
			first, err := c.Send(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if tc.newClient {
				c = newTestClient(t, srv)
			}
			second, err := c.Send(context.Background(), tc.req)
			if tc.wantCode != "" {
				wantError(t, err, providers.Permanent, tc.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := second.TaskID == first.TaskID; got != tc.wantSame {
				t.Errorf("second task %q, first %q: same = %v, want %v", second.TaskID, first.TaskID, got, tc.wantSame)
			}
			if !tc.wantSame && len(second.Outcomes) != 0 {
				t.Errorf("dropped request has outcomes %+v", second.Outcomes)
			}
			counts, ok := srv.TaskCounts(first.TaskID)
			if tc.req.Target.Kind == providers.AudienceCID && len(tc.req.Target.Values) == 1 && (!ok || counts.MsgNum != 1) {
				t.Errorf("single task delivered %d times, want 1", counts.MsgNum)
			}
		})
	}
}

func TestListRetryAfterListCIDFailure(t *testing.T) {
	srv := getuifake.New(t)
	c := newTestClient(t, srv)
	if err := c.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	req := providers.SendRequest{RequestID: "list-retry-00001", Message: notify(),
		Target: providers.Target{Kind: providers.AudienceCID, Values: []string{"c1", "c2"}}}
	// list/message succeeds, list/cid fails.
	srv.FailNextOn("/push/list/cid", 1, 502)
	_, err := c.Send(context.Background(), req)
	wantError(t, err, providers.Retry, "http_502")
	res, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := countRoute(srv, "/push/list/message"); n != 1 {
		t.Errorf("list/message calls = %d, want 1", n)
	}
	if n := countRoute(srv, "/push/list/cid"); n != 2 {
		t.Errorf("list/cid calls = %d, want 2", n)
	}
	if len(res.Outcomes) != 2 {
		t.Errorf("outcomes = %+v", res.Outcomes)
	}
}
