package jpush

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

// TestAnswerClasses: every kind of answer maps onto the class the engine
// acts on, and a refused push delivers nothing.
func TestAnswerClasses(t *testing.T) {
	tests := []struct {
		name        string
		inject      func(f *jpushfake.Server)
		class       providers.Class
		code        string
		rateLimited bool
		retryAfter  time.Duration
	}{
		{"internal error", func(f *jpushfake.Server) { f.FailNext(5, http.StatusInternalServerError) }, providers.Retry, "1000", false, busyWait},
		{"gateway 502", func(f *jpushfake.Server) { f.FailNext(5, http.StatusBadGateway) }, providers.Retry, "http_502", false, 0},
		{"internal timeout", func(f *jpushfake.Server) { f.FailNextCode(5, http.StatusServiceUnavailable, 1030, "timeout") }, providers.Retry, "1030", false, busyWait},
		{"rate limited", func(f *jpushfake.Server) { f.RateLimitNext(5, 7) }, providers.Retry, "2002", true, 7 * time.Second},
		{"auth failed", func(f *jpushfake.Server) { f.SetMasterSecret("other") }, providers.Reauth, "1004", false, 0},
		{"bad app key", func(f *jpushfake.Server) { f.FailNextCode(5, http.StatusBadRequest, 1008, "app_key is invalid") }, providers.Reauth, "1008", false, 0},
		{"invalid value", func(f *jpushfake.Server) { f.FailNextCode(5, http.StatusBadRequest, 1003, "bad value") }, providers.Permanent, "1003", false, 0},
		{"too large", func(f *jpushfake.Server) { f.FailNextCode(5, http.StatusBadRequest, 1005, "too long") }, providers.Permanent, "1005", false, 0},
		{"malformed", func(f *jpushfake.Server) { f.MalformedNext(5) }, providers.Retry, "bad_response", false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, fake := newClient(t)
			tc.inject(fake)
			_, err := c.Send(context.Background(), providers.SendRequest{RequestID: "pdclasses001", Message: note("t", "b"), Target: cidTarget(3)})
			pe := wantError(t, err, tc.class, tc.code)
			if pe.RateLimited != tc.rateLimited || pe.RetryAfter != tc.retryAfter {
				t.Errorf("rate limited %v, retry after %s; want %v, %s", pe.RateLimited, pe.RetryAfter, tc.rateLimited, tc.retryAfter)
			}
			if len(fake.Pushes()) != 0 {
				t.Errorf("a refused push delivered: %+v", fake.Pushes())
			}
		})
	}
}

func TestTimeoutIsRetry(t *testing.T) {
	fake := jpushfake.New(t)
	c := clientFor(t, fake, shortTimeout())
	fake.SetDelay(time.Second)
	_, err := c.Send(context.Background(), providers.SendRequest{RequestID: "pdtimeout001", Message: note("t", "b"), Target: cidTarget(1)})
	wantError(t, err, providers.Retry, "timeout")
}

// TestRetryAfterLostAnswerDeliversOnce: a push carried out whose answer
// was lost (a 502, a dropped connection, a hang past the timeout) is sent
// again with the same cid and answered from the first push: every device
// has it once, and the retry learns the first msg_id.
func TestRetryAfterLostAnswerDeliversOnce(t *testing.T) {
	losses := []struct {
		name string
		loss jpushfake.Loss
	}{
		{"502 after the push", jpushfake.Loss{Status: http.StatusBadGateway}},
		{"connection dropped", jpushfake.Loss{Drop: true}},
		{"hang past the timeout", jpushfake.Loss{Hang: time.Second}},
	}
	for _, key := range []bool{false, true} {
		for _, tc := range losses {
			name := tc.name
			if key {
				name += " with the engine's key"
			}
			t.Run(name, func(t *testing.T) {
				fake := jpushfake.New(t)
				c := clientFor(t, fake, shortTimeout())
				req := providers.SendRequest{RequestID: "pdlostans001", Message: note("t", "b"), Target: cidTarget(5)}
				if key {
					k, err := c.IssueKey(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					req.Key = k
				}
				fake.LoseAnswerNext(1, tc.loss)
				if _, err := c.Send(context.Background(), req); providers.AsError(err).Class != providers.Retry {
					t.Fatalf("lost answer: %v, want a Retry error", err)
				}
				res, err := c.Send(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				ps := fake.Pushes()
				if len(ps) != 1 || res.TaskID != ps[0].MsgID {
					t.Fatalf("pushes %+v, retry's task %q", ps, res.TaskID)
				}
				for id, n := range fake.DeliveryCounts() {
					if n != 1 {
						t.Errorf("%s received %d times", id, n)
					}
				}
				if key && ps[0].CID != req.Key {
					t.Errorf("pushed under cid %q, not the key %q", ps[0].CID, req.Key)
				}
			})
		}
	}
}

// TestKeySurvivesANewClient: a batch's key, kept by the engine, makes a
// retry from a new process (a new client) a replay, not a second push.
func TestKeySurvivesANewClient(t *testing.T) {
	c, fake := newClient(t)
	key, err := c.IssueKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req := providers.SendRequest{RequestID: "pdrestart001", Message: note("t", "b"), Target: cidTarget(3), Key: key}
	first, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := clientFor(t, fake, nil).Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if again.TaskID != first.TaskID || len(fake.Pushes()) != 1 {
		t.Errorf("after a restart: task %q (first %q), %d pushes", again.TaskID, first.TaskID, len(fake.Pushes()))
	}
}

func TestCIDPoolAndExpiry(t *testing.T) {
	c, fake := newClient(t)
	ctx := context.Background()
	for i := range cidBatch + 1 {
		if _, err := c.IssueKey(ctx); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
	}
	if n := len(fake.RequestsTo(jpushfake.PathCID)); n != 2 {
		t.Errorf("%d cid calls for %d keys, want 2 (a pool of %d)", n, cidBatch+1, cidBatch)
	}
	// A key past JPush's day is refused by the service.
	key, err := c.IssueKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fake.Advance(25 * time.Hour)
	_, err = c.Send(ctx, providers.SendRequest{RequestID: "pdexpired001", Message: note("t", "b"), Target: cidTarget(1), Key: key})
	wantError(t, err, providers.Permanent, "1003")
	// A pooled cid older than poolFresh is not handed out.
	c.now = func() time.Time { return time.Now().Add(2 * poolFresh) }
	before := len(fake.RequestsTo(jpushfake.PathCID))
	if _, err := c.IssueKey(ctx); err != nil {
		t.Fatal(err)
	}
	if len(fake.RequestsTo(jpushfake.PathCID)) != before+1 {
		t.Error("a stale pooled cid was handed out")
	}
}
