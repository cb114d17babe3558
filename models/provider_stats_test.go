package models

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// mustStartCampaign marks c started at the given time, with a group, and
// gives it a batch (with a provider task id when pushed).
func mustStartCampaign(t *testing.T, s *Store, c Campaign, group string, started time.Time, pushed bool) {
	t.Helper()
	if err := s.DB().Exec(`UPDATE campaigns SET status = 'completed', group_name = ?, started_at = ? WHERE id = ?`, group, started, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	task := ""
	if pushed {
		task = "task-" + group
	}
	err := s.DB().Exec(`INSERT INTO batches (campaign_id, seq, request_id, target, size, status, next_attempt_at, task_id, created_at, updated_at)
		VALUES (?, 1, ?, '{}', 1, 'done', ?, ?, ?, ?)`, c.ID, "req-"+time.Now().Format("150405.000000000"), started, task, started, started).Error
	if err != nil {
		t.Fatal(err)
	}
}

// clockAt makes the store's clock return *now.
func clockAt(s *Store, now *time.Time) { s.now = func() time.Time { return *now } }

func TestGroupSnapshots(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	a := mustCreateAccount(t, s)
	b, err := s.CreateProviderAccount(ctx, ProviderInput{Name: "second", Kind: "sandbox", Credentials: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	clockAt(s, &now)

	if _, ok, err := s.LastGroupPoll(ctx, a.ID, "g1"); ok || err != nil {
		t.Fatalf("never polled: ok=%v err=%v", ok, err)
	}
	if st, err := s.LatestGroupSnapshots(ctx, "g1"); err != nil || len(st) != 0 {
		t.Fatalf("no snapshots: %+v %v", st, err)
	}

	steps := []struct {
		name      string
		acct      int64
		channels  string
		err       string
		wantGood  string // channels of account a's current figures
		wantStale bool
	}{
		{"first poll fails", a.ID, "", "10001: token", "", true},
		{"then succeeds", a.ID, `[{"channel":"huawei","target":5}]`, "", `[{"channel":"huawei","target":5}]`, false},
		{"fails again: old figures, stale", a.ID, "", "http_502: HTTP 502", `[{"channel":"huawei","target":5}]`, true},
		{"other account does not interfere", b.ID, `[{"channel":"xiaomi","target":1}]`, "", `[{"channel":"huawei","target":5}]`, true},
		{"recovers", a.ID, `[{"channel":"huawei","target":7}]`, "", `[{"channel":"huawei","target":7}]`, false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			now = now.Add(time.Minute)
			var ch json.RawMessage
			if st.channels != "" {
				ch = json.RawMessage(st.channels)
			}
			if err := s.SaveGroupSnapshot(ctx, st.acct, "g1", ch, st.err); err != nil {
				t.Fatal(err)
			}
			got, err := s.LatestGroupSnapshots(ctx, "g1")
			if err != nil || len(got) == 0 || got[0].ProviderID != a.ID {
				t.Fatalf("latest %+v %v", got, err)
			}
			ga := got[0]
			if string(ga.Good.Channels) != st.wantGood && !(st.wantGood == "" && ga.Good.ID == 0) {
				t.Errorf("figures %s, want %s", ga.Good.Channels, st.wantGood)
			}
			if ga.Stale != st.wantStale || (ga.Stale && (ga.LastError == "" || ga.LastErrorAt == nil)) || (!ga.Stale && ga.LastError != "") {
				t.Errorf("poll state %+v, want stale=%v", ga.PollState, st.wantStale)
			}
			if at, ok, err := s.LastGroupPoll(ctx, st.acct, "g1"); err != nil || !ok || !at.Equal(now) {
				t.Errorf("last poll %v %v %v, want %v", at, ok, err, now)
			}
		})
	}
	if got, _ := s.LatestGroupSnapshots(ctx, "g1"); len(got) != 2 || got[1].ProviderID != b.ID || got[1].Stale {
		t.Fatalf("per account %+v", got)
	}
	if got, _ := s.LatestGroupSnapshots(ctx, "g2"); len(got) != 0 {
		t.Fatalf("other group %+v", got)
	}
}

func TestGroupsAndAccountsToPoll(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	a := mustCreateAccount(t, s)
	now := time.Now().UTC()
	recent := mustCreateCampaign(t, s, a, Audience{Kind: "all"})
	recentSameGroup := mustCreateCampaign(t, s, a, Audience{Kind: "all"})
	old := mustCreateCampaign(t, s, a, Audience{Kind: "all"})
	unpushed := mustCreateCampaign(t, s, a, Audience{Kind: "all"})
	ungrouped := mustCreateCampaign(t, s, a, Audience{Kind: "all"})
	mustCreateCampaign(t, s, a, Audience{Kind: "all"}) // a draft
	mustStartCampaign(t, s, recent, "g1", now.Add(-time.Hour), true)
	mustStartCampaign(t, s, recentSameGroup, "g1", now.Add(-time.Hour), true)
	mustStartCampaign(t, s, old, "g-old", now.Add(-100*time.Hour), true)
	mustStartCampaign(t, s, unpushed, "g-unpushed", now.Add(-time.Hour), false)
	mustStartCampaign(t, s, ungrouped, "", now.Add(-time.Hour), true)

	gs, err := s.GroupsToPoll(ctx, now.Add(-72*time.Hour))
	if err != nil || len(gs) != 1 || gs[0] != (GroupKey{ProviderID: a.ID, GroupName: "g1"}) {
		t.Fatalf("groups %+v %v", gs, err)
	}
	ids, err := s.AccountsToPoll(ctx, now.Add(-72*time.Hour))
	if err != nil || len(ids) != 1 || ids[0] != a.ID {
		t.Fatalf("accounts %+v %v", ids, err)
	}
	if ids, err := s.AccountsToPoll(ctx, now); err != nil || len(ids) != 0 {
		t.Fatalf("accounts since now %+v %v", ids, err)
	}
}

func TestAccountStats(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	a := mustCreateAccount(t, s)
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	clockAt(s, &now)

	got, err := s.LatestAccountStats(ctx, a.ID)
	if err != nil || len(got) != 2 || got[0].Day != 0 || got[1].Day != 1 || got[0].Good.ID != 0 || got[0].Stale {
		t.Fatalf("never polled: %+v %v", got, err)
	}
	if err := s.SaveAccountStat(ctx, AccountStat{ProviderID: a.ID, Day: 2}); err == nil {
		t.Fatal("day 2 accepted")
	}
	save := func(st AccountStat) {
		t.Helper()
		now = now.Add(time.Minute)
		st.ProviderID = a.ID
		if err := s.SaveAccountStat(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	save(AccountStat{Day: 0, StatDate: "2025-03-01", AgentID: 1000002, AppName: "app", Count: 10})
	save(AccountStat{Day: 1, StatDate: "2025-02-28", AgentID: 1000002, AppName: "app", Count: 99})
	save(AccountStat{Day: 0, StatDate: "2025-03-01", Error: "45009: api freq out of limit"})

	got, err = s.LatestAccountStats(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	today, yesterday := got[0], got[1]
	if today.Good.Count != 10 || today.Good.StatDate != "2025-03-01" || !today.Stale || today.LastError != "45009: api freq out of limit" || !today.LastErrorAt.Equal(now) {
		t.Errorf("today %+v", today)
	}
	if yesterday.Good.Count != 99 || yesterday.Stale || yesterday.Good.AppName != "app" {
		t.Errorf("yesterday %+v", yesterday)
	}
	if at, ok, err := s.LastAccountPoll(ctx, a.ID); err != nil || !ok || !at.Equal(now) {
		t.Errorf("last poll %v %v %v", at, ok, err)
	}

	save(AccountStat{Day: 0, StatDate: "2025-03-01", AgentID: 1000002, AppName: "app", Count: 12})
	if got, _ := s.LatestAccountStats(ctx, a.ID); got[0].Good.Count != 12 || got[0].Stale {
		t.Errorf("after recovery %+v", got[0])
	}
}
