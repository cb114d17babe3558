package dispatch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// TestSlowReportsHoldNoOne: when a 30-batch GeTui campaign whose report
// calls take 100 ms–1 s each completes, a one-batch campaign on another
// account sent at that moment completes in about the time it takes alone:
// the completed campaign's reports are polled off the recorder. The slow
// reports are still being fetched when the small campaign is done, and
// the completed campaign gets its snapshot without a poll round.
func TestSlowReportsHoldNoOne(t *testing.T) {
	slow := getuifake.New(t)
	fast := mxfake.New(t)
	// PollEvery 1 h (the harness default): only the hand-off polls.
	h := newHarness(t, Config{Workers: 2})
	slowAcct := h.account("getui", slow.URL(), slow.Credentials())
	fastAcct := h.account("mxpush", fast.URL(), fast.Credentials())
	h.start()

	sendTimed := func() time.Duration {
		t.Helper()
		c := h.campaign(fastAcct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(100)}, draft.Options{})
		start := time.Now()
		h.send(c)
		waitCompleted(t, h, c.ID)
		return time.Since(start)
	}
	sendTimed() // warm-up: connections, token, caches
	solo := max(sendTimed(), sendTimed())

	slow.SetReportDelay(100*time.Millisecond, time.Second)
	big := h.campaign(slowAcct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(30_000)}, draft.Options{})
	h.send(big)
	waitCompleted(t, h, big.ID)
	during := sendTimed()
	reports := len(reportCalls(slow))

	// Twice the solo time, and at least half a second: on a shared 2-core
	// machine a 40 ms send jitters by tens of ms. A recorder that polls
	// the 30 tasks itself takes ≥3 s here.
	limit := max(2*solo, 500*time.Millisecond)
	if during > limit {
		t.Errorf("one-batch campaign took %v after the slow campaign completed, %v alone (limit %v)", during, solo, limit)
	}
	if reports >= 30 {
		t.Errorf("the slow campaign's 30 reports were all fetched (%d calls) before the small campaign was done: the test did not overlap them", reports)
	}
	t.Logf("solo %v, beside slow reports %v; %d of 30 report calls done then", solo, during, reports)

	slow.SetReportDelay(0, 0)
	deadline := time.Now().Add(20 * time.Second)
	for {
		f, err := h.engine.CampaignFigures(context.Background(), big.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f.Polled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot of the completed campaign after 20 s (%d report calls)", len(reportCalls(slow)))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCompleted polls the campaign's status every 2 ms until completed.
func waitCompleted(t *testing.T, h *harness, id int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := h.store.CampaignStatus(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if st == models.StatusCompleted {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %d is %s after 30 s", id, st)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func reportCalls(f *getuifake.Server) []getuifake.Request {
	var out []getuifake.Request
	for _, r := range f.Requests() {
		if strings.HasPrefix(r.Route, "/report/push/task/") {
			out = append(out, r)
		}
	}
	return out
}
