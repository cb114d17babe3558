package getui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// listReq is a list push to n cids.
func listReq(id string, n int) providers.SendRequest {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("cid-%03d", i)
	}
	return providers.SendRequest{RequestID: id, Message: notify(),
		Target: providers.Target{Kind: providers.AudienceCID, Values: vals}}
}

// createIDs returns the request_id of every /push/list/message received.
func createIDs(t *testing.T, srv *getuifake.Server) []string {
	t.Helper()
	var out []string
	for _, r := range srv.RequestsTo("/push/list/message") {
		var b struct {
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b.RequestID)
	}
	return out
}

// wantDeliveredOnce checks every recipient of req was pushed to exactly
// once and nobody else was.
func wantDeliveredOnce(t *testing.T, srv *getuifake.Server, req providers.SendRequest) {
	t.Helper()
	got := srv.Delivered()
	for _, v := range req.Target.Values {
		if got[v] != 1 {
			t.Errorf("%s pushed %d times, want 1", v, got[v])
		}
	}
	if len(got) != len(req.Target.Values) {
		t.Errorf("pushed to %d recipients, want %d: %v", len(got), len(req.Target.Values), got)
	}
}

// TestListCreateAnswerLost: GeTui created the list message but its answer
// (the taskid) was lost, once or twice. Each retry creates the message under
// a request id no attempt used, gets a task and pushes it: every cid gets
// the message exactly once.
func TestListCreateAnswerLost(t *testing.T) {
	for _, lost := range []int{1, 2} {
		for _, rid := range []string{"lost-create-01", "pd0123456789abcdef0123456789x999"} {
			t.Run(fmt.Sprintf("%d lost, id of %d", lost, len(rid)), func(t *testing.T) {
				srv := getuifake.New(t)
				c := newTestClient(t, srv)
				if err := c.Verify(context.Background()); err != nil {
					t.Fatal(err)
				}
				req := listReq(rid, 5)
				srv.LoseNextOn("/push/list/message", lost, 504)
				for range lost {
					_, err := c.Send(context.Background(), req)
					wantError(t, err, providers.Retry, "http_504")
				}
				res, err := c.Send(context.Background(), req)
				if err != nil {
					t.Fatalf("retry: %v", err)
				}
				if len(res.Outcomes) != 5 || res.TaskID == "" {
					t.Errorf("result %+v, want a task and 5 outcomes", res)
				}
				for _, o := range res.Outcomes {
					if o.Status != providers.StatusAccepted {
						t.Errorf("outcome %+v, want accepted", o)
					}
				}
				wantDeliveredOnce(t, srv, req)
				ids := createIDs(t, srv)
				if len(ids) != lost+1 || ids[0] != rid {
					t.Fatalf("create request ids %q, want %d starting with the batch's %q", ids, lost+1, rid)
				}
				seen := map[string]bool{}
				for _, id := range ids {
					if seen[id] || !providers.ValidRequestID(id) {
						t.Errorf("create request id %q repeated or not 10–32 of [0-9A-Za-z_-]", id)
					}
					seen[id] = true
				}
				if n := countRoute(srv, "/push/list/cid"); n != 1 {
					t.Errorf("list/cid calls = %d, want 1", n)
				}
			})
		}
	}
}

// TestListRetryNeverPushesTwoTasks: once a push may have reached the
// recipients, a retry pushes the same task or nothing.
func TestListRetryNeverPushesTwoTasks(t *testing.T) {
	ctx := context.Background()
	t.Run("push answer lost: the retry pushes the same task", func(t *testing.T) {
		srv := getuifake.New(t)
		c := newTestClient(t, srv)
		req := listReq("lost-push-0001", 3)
		srv.LoseNextOn("/push/list/cid", 1, 502)
		_, err := c.Send(ctx, req)
		wantError(t, err, providers.Retry, "http_502")
		res, err := c.Send(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if n := countRoute(srv, "/push/list/message"); n != 1 {
			t.Errorf("list/message calls = %d, want 1 (a second task would reach everyone again)", n)
		}
		for _, r := range srv.RequestsTo("/push/list/cid") {
			if !strings.Contains(string(r.Body), res.TaskID) {
				t.Errorf("a push of another task than %s: %s", res.TaskID, r.Body)
			}
		}
	})
	t.Run("push answer lost and the message expired: refused", func(t *testing.T) {
		srv := getuifake.New(t)
		c := newTestClient(t, srv)
		req := listReq("lost-push-0002", 3)
		srv.LoseNextOn("/push/list/cid", 1, 502)
		_, err := c.Send(ctx, req)
		wantError(t, err, providers.Retry, "http_502")
		c.now = func() time.Time { return time.Now().Add(3 * time.Hour) }
		_, err = c.Send(ctx, req)
		wantError(t, err, providers.Permanent, codeListInDoubt)
		wantDeliveredOnce(t, srv, req)
		if n := countRoute(srv, "/push/list/message"); n != 1 {
			t.Errorf("list/message calls = %d, want 1", n)
		}
	})
	t.Run("message expired before any push: created again", func(t *testing.T) {
		srv := getuifake.New(t)
		c := newTestClient(t, srv)
		req := listReq("expired-0000003", 3)
		srv.FailNextCodeOn("/push/list/cid", 1, 10005, "api frequency limit")
		_, err := c.Send(ctx, req)
		wantError(t, err, providers.Retry, "10005")
		c.now = func() time.Time { return time.Now().Add(3 * time.Hour) }
		// The fake's task has not expired; the client's copy has, and a
		// new message is created under a new request id.
		if _, err := c.Send(ctx, req); err != nil {
			t.Fatal(err)
		}
		wantDeliveredOnce(t, srv, req)
		if ids := createIDs(t, srv); len(ids) != 2 || ids[0] == ids[1] {
			t.Errorf("create request ids %q, want two different", ids)
		}
	})
	t.Run("another process lost the create answer: refused", func(t *testing.T) {
		srv := getuifake.New(t)
		req := listReq("restarted-00004", 3)
		srv.LoseNextOn("/push/list/message", 1, 504)
		_, err := newTestClient(t, srv).Send(ctx, req)
		wantError(t, err, providers.Retry, "http_504")
		// A fresh client cannot know whether the earlier one pushed.
		_, err = newTestClient(t, srv).Send(ctx, req)
		wantError(t, err, providers.Permanent, codeDuplicateRequestID)
		if got := srv.Delivered(); len(got) != 0 {
			t.Errorf("pushed %v, want nothing", got)
		}
	})
	t.Run("a second attempt while the first is under way waits", func(t *testing.T) {
		srv := getuifake.New(t)
		c := newTestClient(t, srv)
		if err := c.Verify(ctx); err != nil {
			t.Fatal(err)
		}
		req := listReq("in-flight-00005", 3)
		srv.SetDelay(300 * time.Millisecond)
		done := make(chan error, 1)
		go func() {
			_, err := c.Send(ctx, req)
			done <- err
		}()
		for countRoute(srv, "/push/list/message") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		_, err := c.Send(ctx, req)
		wantError(t, err, providers.Retry, "in_flight")
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		wantDeliveredOnce(t, srv, req)
	})
}

func TestCreateID(t *testing.T) {
	for _, rid := range []string{"abcdefghij", "pd0123456789abcdef0123456789x999", strings.Repeat("z", 32)} {
		seen := map[string]bool{}
		for gen := range 1200 {
			id := createID(rid, gen)
			if !providers.ValidRequestID(id) || seen[id] {
				t.Fatalf("createID(%q, %d) = %q: invalid or repeated", rid, gen, id)
			}
			seen[id] = true
		}
		if createID(rid, 0) != rid {
			t.Errorf("first create id of %q is %q, want the batch's own", rid, createID(rid, 0))
		}
	}
}
