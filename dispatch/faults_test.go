package dispatch

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/getui"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// TestFaultsLeaveEveryRecipientTerminal runs a listed campaign against the
// GeTui fake with each fault injected once the client holds a token, so it
// hits the campaign's requests (as a fault mid-run would).
func TestFaultsLeaveEveryRecipientTerminal(t *testing.T) {
	tests := []struct {
		name    string
		inject  func(f *getuifake.Server)
		invalid int
		failed  bool
		// retried: the fault must have cost extra push requests (else it
		// missed the campaign and the case proves nothing).
		retried bool
	}{
		{"clean", func(*getuifake.Server) {}, 0, false, false},
		{"5xx then recovery", func(f *getuifake.Server) { f.FailNext(3, http.StatusBadGateway) }, 0, false, true},
		{"timeouts then recovery", func(f *getuifake.Server) {
			f.SetDelay(300 * time.Millisecond)
			go func() { time.Sleep(700 * time.Millisecond); f.SetDelay(0) }()
		}, 0, false, true},
		{"token expiry mid-run", func(f *getuifake.Server) { f.ExpireTokens() }, 0, false, true},
		{"frequency limit", func(f *getuifake.Server) { f.FailNextCode(2, 10005, "api frequency limit") }, 0, false, true},
		{"malformed answers", func(f *getuifake.Server) { f.MalformedNext(2) }, 0, false, true},
		{"partial invalid", func(f *getuifake.Server) { f.SetInvalid("cid-000007", "cid-001500", "cid-002499") }, 3, false, false},
		{"permanent refusal", func(f *getuifake.Server) { f.FailNextCode(100, 10002, "bad parameters") }, 0, true, false},
	}
	pushes := func(f *getuifake.Server) int {
		n := 0
		for _, r := range f.Requests() {
			if strings.HasPrefix(r.Route, "/push/") {
				n++
			}
		}
		return n
	}
	// faultless is how many push requests the run needs without any
	// retry: one list message and one push per batch. It is counted from
	// the run itself, since a clean run may retry too (a slow answer under
	// -race outlives the 150 ms timeout).
	faultless := func(t *testing.T, f *getuifake.Server) int {
		t.Helper()
		batches := map[string]bool{}
		for _, r := range f.RequestsTo("/push/list/cid") {
			var b struct {
				Audience json.RawMessage `json:"audience"`
			}
			if err := json.Unmarshal(r.Body, &b); err != nil {
				t.Fatal(err)
			}
			batches[string(b.Audience)] = true
		}
		return 2 * len(batches)
	}
	// oneTaskEach: no cid was pushed under two tasks, which would reach
	// its device twice (a retry may push the same task again).
	oneTaskEach := func(t *testing.T, f *getuifake.Server) {
		t.Helper()
		taskOf := map[string]string{}
		for _, r := range f.RequestsTo("/push/list/cid") {
			var b struct {
				Audience struct {
					CID []string `json:"cid"`
				} `json:"audience"`
				TaskID string `json:"taskid"`
			}
			if err := json.Unmarshal(r.Body, &b); err != nil {
				t.Fatal(err)
			}
			for _, cid := range b.Audience.CID {
				if prev, ok := taskOf[cid]; ok && prev != b.TaskID {
					t.Fatalf("%s pushed under two tasks, %s and %s", cid, prev, b.TaskID)
				}
				taskOf[cid] = b.TaskID
			}
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := getuifake.New(t)
			h := newHarness(t, Config{Workers: 3, MaxAttempts: 30})
			h.engine.clients.m = map[int64]*client{}
			acct := h.account("getui", fake.URL(), fake.Credentials())
			// A short HTTP timeout makes the delay fault a timeout.
			cl, err := h.engine.clients.entry(context.Background(), acct)
			if err != nil {
				t.Fatal(err)
			}
			p, err := getui.New(providers.Config{BaseURL: fake.URL(), Credentials: fake.Credentials(), HTTPClient: &http.Client{Timeout: 150 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			cl.p = p
			c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(2500)}, draft.Options{ErrorThreshold: 100})
			// The client holds a token before the fault goes in, as it
			// would mid-run; injecting before the send makes the fault hit
			// the campaign's requests however fast they go.
			if _, err := p.(providers.Reporter).Report(context.Background(), "warm-up"); err != nil && providers.AsError(err).Class == providers.Reauth {
				t.Fatalf("warm-up: %v", err)
			}
			tc.inject(fake)
			h.start()
			h.send(c)
			want := models.StatusCompleted
			if tc.failed {
				want = models.StatusFailed // no recipient delivered
			}
			c = h.waitStatus(c.ID, 20*time.Second, want)
			got := h.checkInvariants(c, 2500)
			oneTaskEach(t, fake)
			if n, need := pushes(fake), faultless(t, fake); tc.retried && n <= need {
				t.Errorf("%d push requests, as many as a run without retries (%d): the fault missed the campaign", n, need)
			}
			if tc.failed {
				if got[models.DeliveryFailed] == 0 {
					t.Errorf("no failed recipients after a permanent refusal: %v", got)
				}
				fs, _ := h.store.CampaignFailures(context.Background(), c.ID)
				if len(fs) == 0 || fs[0].Code != "10002" {
					t.Errorf("failures by reason: %+v", fs)
				}
				return
			}
			if got[models.DeliveryInvalid] != int64(tc.invalid) || got[models.DeliveryFailed] != 0 {
				t.Errorf("outcomes %v, want %d invalid and none failed", got, tc.invalid)
			}
		})
	}
}
