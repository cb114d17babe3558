package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// groupCampaign creates a draft in a task group.
func (h *harness) groupCampaign(acct models.ProviderAccount, typ providers.MessageType, group string, aud models.Audience) models.Campaign {
	h.t.Helper()
	d := draft.Draft{Name: "g", ProviderID: acct.ID, Group: group, Audience: aud,
		Message: providers.Message{Type: typ, Title: "Hello", Body: "World"}}
	c, _, err := h.engine.CreateCampaign(context.Background(), d, "test", models.Idempotency{})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// sendGroup sends campaigns of n recipients each in a group and waits for
// them to complete.
func (h *harness) sendGroup(acct models.ProviderAccount, group string, sizes ...int) {
	h.t.Helper()
	for i, n := range sizes {
		vals := make([]string, n)
		for j := range vals {
			vals[j] = fmt.Sprintf("%s-%d-%04d", group, i, j)
		}
		c := h.groupCampaign(acct, providers.TypeNotification, group, models.Audience{Kind: "cid", Values: vals})
		h.send(c)
		h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	}
}

func groupRoute(g string) string { return "/report/push/task_group/" + g }

// oneGroupReport returns the only provider report of a group.
func (h *harness) oneGroupReport(group string) GroupReport {
	h.t.Helper()
	rs, err := h.engine.GroupReports(context.Background(), group)
	if err != nil || len(rs) != 1 {
		h.t.Fatalf("group reports %+v %v", rs, err)
	}
	return rs[0]
}

// TestPollerGroupReport: the poller fetches the task-group report of a
// group sent on a GeTui account once per PollEvery; a failed poll is
// stored as an error that keeps the previous figures (stale, not zeroed);
// the next good poll refreshes them.
func TestPollerGroupReport(t *testing.T) {
	fake := getuifake.New(t)
	h := newHarness(t, Config{})
	acct := h.account("getui", fake.URL(), fake.Credentials())
	h.start()
	h.sendGroup(acct, "spring-ab", 30, 20)
	h.stop()
	ctx := context.Background()
	want, ok := fake.GroupCounts("spring-ab")
	if !ok || want.MsgNum != 50 {
		t.Fatalf("fake group counts %+v", want)
	}

	h.engine.poll.pollGroupReports(ctx, h.store.Now())
	reqs := fake.RequestsTo(groupRoute("spring-ab"))
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Header.Get("token") == "" || len(reqs[0].Body) != 0 || reqs[0].Query != "" {
		t.Fatalf("group report requests %+v", reqs)
	}
	r := h.oneGroupReport("spring-ab")
	if r.ProviderID != acct.ID || r.Kind != "getui" || r.Account != acct.Name || r.Stale || r.TakenAt == nil {
		t.Fatalf("report %+v", r)
	}
	tot := r.Total
	if tot.Channel != "total" || tot.Target != want.MsgNum || tot.Sent != want.TargetNum || tot.Received != want.ReceiveNum ||
		tot.Displayed != want.DisplayNum || tot.Clicked != want.ClickNum {
		t.Fatalf("total %+v, fake %+v", tot, want)
	}
	var sum providers.ChannelStats
	for _, ch := range r.Channels {
		if ch.Channel == "total" {
			t.Fatalf("total among the channels: %+v", r.Channels)
		}
		sum.Received += ch.Received
		sum.Sent += ch.Sent
	}
	if len(r.Channels) < 2 || sum.Received != want.ReceiveNum || sum.Sent != want.TargetNum {
		t.Fatalf("channels %+v sum %+v, fake %+v", r.Channels, sum, want)
	}

	t.Run("at most once per PollEvery", func(t *testing.T) {
		h.engine.poll.pollGroupReports(ctx, h.store.Now())
		h.engine.poll.pollReports(ctx)
		if n := len(fake.RequestsTo(groupRoute("spring-ab"))); n != 1 {
			t.Fatalf("%d group report requests within PollEvery, want 1", n)
		}
		h.engine.poll.pollGroupReports(ctx, h.store.Now().Add(time.Hour))
		if n := len(fake.RequestsTo(groupRoute("spring-ab"))); n != 2 {
			t.Fatalf("%d group report requests after PollEvery, want 2", n)
		}
	})

	for _, fail := range []struct {
		name   string
		script func()
		code   string
	}{
		{"provider code", func() { fake.FailNextCodeOn(groupRoute("spring-ab"), 1, 10005, "api per minute") }, "10005"},
		{"gateway 502", func() { fake.FailNextOn(groupRoute("spring-ab"), 1, http.StatusBadGateway) }, "http_502"},
	} {
		t.Run("failed poll keeps the figures: "+fail.name, func(t *testing.T) {
			fail.script()
			h.engine.PollGroup(ctx, acct.ID, "spring-ab")
			got := h.oneGroupReport("spring-ab")
			if !got.Stale || !strings.HasPrefix(got.LastError, fail.code+":") || got.LastErrorAt == nil {
				t.Fatalf("poll state %+v", got.PollState)
			}
			if got.Total != tot || len(got.Channels) != len(r.Channels) || got.TakenAt == nil {
				t.Fatalf("figures changed after a failed poll: %+v, before %+v", got, r)
			}
		})
	}

	t.Run("recovery with partial fields", func(t *testing.T) {
		// No msg_num on the total, missing display/click counters, a
		// channel pushdeck does not know, and the action map.
		fake.SetGroupReport("spring-ab", json.RawMessage(`{
			"total": {"target_num": 60, "receive_num": 50},
			"gt": {"target_num": 20, "receive_num": 20, "display_num": 10},
			"hw": {"target_num": 40},
			"hx": {"receive_num": 30, "target_num": 0},
			"actionCntMap": {"a1": 3}}`))
		h.engine.PollGroup(ctx, acct.ID, "spring-ab")
		got := h.oneGroupReport("spring-ab")
		if got.Stale || got.LastError != "" {
			t.Fatalf("still stale: %+v", got.PollState)
		}
		wantTotal := providers.ChannelStats{Channel: "total", Target: 60, Sent: 60, Received: 50}
		if got.Total != wantTotal {
			t.Fatalf("total %+v, want %+v", got.Total, wantTotal)
		}
		byCh := map[string]providers.ChannelStats{}
		for _, ch := range got.Channels {
			byCh[ch.Channel] = ch
		}
		if len(byCh) != 3 || byCh["getui"] != (providers.ChannelStats{Channel: "getui", Target: 20, Sent: 20, Received: 20, Displayed: 10}) ||
			byCh["huawei"] != (providers.ChannelStats{Channel: "huawei", Target: 40, Sent: 40}) || byCh["hx"].Received != 30 {
			t.Fatalf("channels %+v", got.Channels)
		}
	})

	t.Run("without a provider total the lines are summed", func(t *testing.T) {
		fake.SetGroupReport("spring-ab", json.RawMessage(`{"xm": {"target_num": 4, "receive_num": 3, "display_num": 2, "click_num": 1}, "op": {"target_num": 6, "receive_num": 5}}`))
		h.engine.PollGroup(ctx, acct.ID, "spring-ab")
		got := h.oneGroupReport("spring-ab")
		if got.Total != (providers.ChannelStats{Channel: "total", Target: 10, Sent: 10, Received: 8, Displayed: 2, Clicked: 1}) {
			t.Fatalf("total %+v", got.Total)
		}
	})
}

// TestPollerGroupReportFirstPollFails: with no earlier figures, a failed
// poll shows as stale with no figures rather than as zeros.
func TestPollerGroupReportFirstPollFails(t *testing.T) {
	fake := getuifake.New(t)
	h := newHarness(t, Config{})
	acct := h.account("getui", fake.URL(), fake.Credentials())
	h.start()
	h.sendGroup(acct, "b-side", 5)
	h.stop()
	fake.FailNextCodeOn(groupRoute("b-side"), 1, 30019, "system busy")
	h.engine.poll.pollGroupReports(context.Background(), h.store.Now())
	r := h.oneGroupReport("b-side")
	if r.TakenAt != nil || !r.Stale || !strings.HasPrefix(r.LastError, "30019:") || len(r.Channels) != 0 {
		t.Fatalf("report %+v", r)
	}
}

// TestPollerGroupReportRunsInTheEngine: the running engine's poll loop
// fetches group reports by itself, never more than once per PollEvery;
// groups on accounts without group reports are not polled.
func TestPollerGroupReportRunsInTheEngine(t *testing.T) {
	fake := getuifake.New(t)
	const every = 300 * time.Millisecond
	h := newHarness(t, Config{PollEvery: every})
	acct := h.account("getui", fake.URL(), fake.Credentials())
	sandbox := h.account("sandbox", "", json.RawMessage(`{}`))
	start := time.Now()
	h.start()
	h.sendGroup(acct, "live", 3)
	c := h.groupCampaign(sandbox, providers.TypeNotification, "sandboxed", models.Audience{Kind: "cid", Values: []string{"sandbox-0000001"}})
	h.send(c)
	h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	deadline := time.Now().Add(10 * time.Second)
	for len(fake.RequestsTo(groupRoute("live"))) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the engine polled the group %d times in 10s", len(fake.RequestsTo(groupRoute("live"))))
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.stop()
	elapsed := time.Since(start)
	if n := len(fake.RequestsTo(groupRoute("live"))); time.Duration(n-1)*every > elapsed+every {
		t.Fatalf("%d polls in %v with PollEvery %v", n, elapsed, every)
	}
	if r := h.oneGroupReport("live"); r.Stale || r.Total.Target != 3 {
		t.Fatalf("report %+v", r)
	}
	if rs, err := h.engine.GroupReports(context.Background(), "sandboxed"); err != nil || len(rs) != 0 {
		t.Fatalf("sandbox group polled: %+v %v", rs, err)
	}
}
