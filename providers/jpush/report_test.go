package jpush

import (
	"context"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

func TestReportChannels(t *testing.T) {
	c, fake := newClient(t)
	ctx := context.Background()
	fake.SetChannel("rid-000001", "android_pns")
	fake.SetChannel("rid-000002", "ios_apns")
	fake.SetChannel("rid-000003", "ios_apns")
	res, err := c.Send(ctx, providers.SendRequest{RequestID: "pdreport0001", Message: note("t", "b"), Target: cidTarget(5)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Report(ctx, res.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	want := []providers.ChannelStats{
		{Channel: "android_vendor", Target: 1, Sent: 1, Received: 1},
		{Channel: "apns", Target: 2, Sent: 2, Received: 2},
		{Channel: "jpush", Target: 2, Sent: 2, Received: 2},
	}
	if len(rep.Channels) != len(want) {
		t.Fatalf("channels %+v, want %+v", rep.Channels, want)
	}
	for i := range want {
		if rep.Channels[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, rep.Channels[i], want[i])
		}
	}
	if tot := rep.Totals(); tot.Target != 5 || tot.Received != 5 {
		t.Errorf("totals %+v", tot)
	}
	r := fake.RequestsTo(jpushfake.PathReceived)
	if len(r) != 1 || !strings.Contains(r[0].RawQuery, "msg_ids="+res.TaskID) {
		t.Errorf("report requests %+v", r)
	}

	// Several pushes in one call; an unknown msg_id is simply absent.
	res2, err := c.Send(ctx, providers.SendRequest{RequestID: "pdreport0002", Message: note("t", "b"), Target: providers.Target{Kind: providers.AudienceAll}})
	if err != nil {
		t.Fatal(err)
	}
	reps, err := c.Reports(ctx, []string{res.TaskID, res2.TaskID, "123"})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[res2.TaskID].Totals().Received != jpushfake.DefaultBroadcastSize {
		t.Errorf("reports %+v", reps)
	}
	if rep, err := c.Report(ctx, "123"); err != nil || len(rep.Channels) != 0 {
		t.Errorf("unknown msg_id: %+v, %v", rep, err)
	}
}

func TestReportRefusals(t *testing.T) {
	c, fake := newClient(t)
	ctx := context.Background()
	_, err := c.Report(ctx, "")
	wantError(t, err, providers.Permanent, "msg_ids")
	_, err = c.Reports(ctx, make([]string, MaxReportIDs+1))
	wantError(t, err, providers.Permanent, "msg_ids")
	fake.FailNext(1, 503)
	_, err = c.Report(ctx, "1")
	wantError(t, err, providers.Retry, "http_503")
}
