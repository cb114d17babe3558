package getui

import (
	"context"
	"fmt"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// statsByChannel indexes a report.
func statsByChannel(r providers.Report) map[string]providers.ChannelStats {
	out := map[string]providers.ChannelStats{}
	for _, c := range r.Channels {
		out[c.Channel] = c
	}
	return out
}

// checkTotals checks the total matches the sum of the channels.
func checkTotals(t *testing.T, rep providers.Report, wantTarget int64) {
	t.Helper()
	if rep.Total == nil || rep.Total.Channel != providers.TotalChannel || len(rep.Channels) == 0 {
		t.Fatalf("report = %+v, want GeTui's total apart from the channel lines", rep)
	}
	total := *rep.Total
	var sum providers.ChannelStats
	for _, c := range rep.Channels {
		if c.Channel == providers.TotalChannel {
			t.Errorf("a total line among the channels: %+v", rep.Channels)
		}
		if c.Channel == "actionCntMap" || c.Channel == "gt" || c.Channel == "hw" {
			t.Errorf("channel %q not mapped", c.Channel)
		}
		sum.Sent += c.Sent
		sum.Received += c.Received
		sum.Displayed += c.Displayed
		sum.Clicked += c.Clicked
	}
	if total.Target != wantTarget || total.Sent != sum.Sent || total.Received != sum.Received ||
		total.Displayed != sum.Displayed || total.Clicked != sum.Clicked {
		t.Errorf("total = %+v, channel sums = %+v, want target %d", total, sum, wantTarget)
	}
	if total.Received == 0 || total.Received > total.Sent || total.Clicked > total.Displayed {
		t.Errorf("implausible funnel %+v", total)
	}
}

func TestReport(t *testing.T) {
	srv := getuifake.New(t)
	srv.SetOnline("cid-00000", "cid-00001")
	srv.SetInvalid("cid-00002")
	c := newTestClient(t, srv)
	res, err := c.Send(context.Background(), providers.SendRequest{RequestID: "report-list-0001", Message: notify(),
		Target: providers.Target{Kind: providers.AudienceCID, Values: cids(50)}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Report(context.Background(), res.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, rep, 50)
	byCh := statsByChannel(rep)
	if g := byCh["getui"]; g.Target != 2 || g.Received != 2 {
		t.Errorf("getui channel = %+v, want the 2 online cids", g)
	}
	if rep.Total.Sent != 49 {
		t.Errorf("total sent = %d, want 49 (one invalid)", rep.Total.Sent)
	}
	want, _ := srv.TaskCounts(res.TaskID)
	if tot := rep.Totals(); tot.Received != want.ReceiveNum || tot.Clicked != want.ClickNum {
		t.Errorf("total = %+v, fake = %+v", tot, want)
	}
	if n := len(srv.RequestsTo("/report/push/task/" + res.TaskID)); n != 1 {
		t.Errorf("report calls = %d", n)
	}
}

// TestReports: one call reports several tasks, keyed by task id; a
// single push (no report kept) is left out, and too many ids are refused.
func TestReports(t *testing.T) {
	srv := getuifake.New(t)
	c := newTestClient(t, srv)
	ctx := context.Background()
	var ids []string
	for i, n := range []int{10, 20} {
		res, err := c.Send(ctx, providers.SendRequest{RequestID: fmt.Sprintf("report-many-%04d", i), Message: notify(),
			Target: providers.Target{Kind: providers.AudienceCID, Values: cids(n)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.TaskID)
	}
	single, err := c.Send(ctx, providers.SendRequest{RequestID: "report-single-01", Message: notify(),
		Target: providers.Target{Kind: providers.AudienceCID, Values: cids(1)}})
	if err != nil {
		t.Fatal(err)
	}
	reps, err := c.Reports(ctx, append(ids, single.TaskID))
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 {
		t.Fatalf("%d reports, want the 2 list tasks: %v", len(reps), reps)
	}
	checkTotals(t, reps[ids[0]], 10)
	checkTotals(t, reps[ids[1]], 20)
	if n := len(srv.RequestsTo("/report/push/task/" + ids[0] + "," + ids[1] + "," + single.TaskID)); n != 1 {
		t.Errorf("report calls = %d, want one for all", n)
	}
	if _, err := c.Reports(ctx, make([]string, MaxReportTasks+1)); err == nil {
		t.Error("more than the limit was asked")
	}
}

func TestReportBroadcast(t *testing.T) {
	srv := getuifake.New(t)
	srv.SetAppUsers(300)
	c := newTestClient(t, srv)
	res, err := c.Send(context.Background(), providers.SendRequest{RequestID: "report-all-00001", Message: notify(),
		Target: providers.Target{Kind: providers.AudienceAll}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Report(context.Background(), res.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, rep, 300)
}

func TestGroupReport(t *testing.T) {
	srv := getuifake.New(t)
	c := newTestClient(t, srv)
	for i := range 4 {
		m := notify()
		m.Group = "spring-ab-a"
		req := providers.SendRequest{RequestID: fmt.Sprintf("group-single-%03d", i), Message: m,
			Target: providers.Target{Kind: providers.AudienceCID, Values: []string{fmt.Sprintf("g-%d", i)}}}
		res, err := c.Send(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// GeTui keeps no task report for single pushes.
			rep, err := c.Report(context.Background(), res.TaskID)
			if err != nil || len(rep.Channels) != 0 {
				t.Fatalf("single task report = %+v, %v; want empty", rep, err)
			}
		}
	}
	rep, err := c.GroupReport(context.Background(), "spring-ab-a")
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, rep, 4)

	empty, err := c.GroupReport(context.Background(), "never-used")
	if err != nil || len(empty.Channels) != 0 {
		t.Fatalf("unknown group = %+v, %v", empty, err)
	}
}

func TestReportFailures(t *testing.T) {
	tests := []struct {
		name      string
		run       func(*Client) error
		setup     func(*getuifake.Server)
		wantClass providers.Class
		wantCode  string
		wantCalls int
	}{
		{name: "empty task id", run: func(c *Client) error { _, err := c.Report(context.Background(), ""); return err },
			wantClass: providers.Permanent, wantCode: "taskid"},
		{name: "bad group name", run: func(c *Client) error { _, err := c.GroupReport(context.Background(), "a/b"); return err },
			wantClass: providers.Permanent, wantCode: "group_name"},
		{name: "malformed", setup: func(s *getuifake.Server) { s.MalformedNext(1) },
			run:       func(c *Client) error { _, err := c.Report(context.Background(), "RASL_0101_x"); return err },
			wantClass: providers.Retry, wantCode: "bad_response", wantCalls: 1},
		{name: "5xx", setup: func(s *getuifake.Server) { s.FailNext(1, 500) },
			run:       func(c *Client) error { _, err := c.GroupReport(context.Background(), "g1"); return err },
			wantClass: providers.Retry, wantCode: "http_500", wantCalls: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := getuifake.New(t)
			c := newTestClient(t, srv)
			if tc.setup != nil {
				if err := c.Verify(context.Background()); err != nil {
					t.Fatal(err)
				}
				tc.setup(srv)
			}
			wantError(t, tc.run(c), tc.wantClass, tc.wantCode)
			calls := 0
			for _, r := range srv.Requests() {
				if r.Route != "/auth" {
					calls++
				}
			}
			if calls != tc.wantCalls {
				t.Errorf("report calls = %d, want %d", calls, tc.wantCalls)
			}
		})
	}
}
