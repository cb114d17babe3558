package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// chinaToday is the date WeCom counts as today.
func chinaToday(t time.Time) string {
	return t.In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateOnly)
}

// TestPollerWeComStatistics: the poller fetches WeCom's per-app person-
// times for today and yesterday once per PollEvery for an account that
// sent a campaign; a failure keeps the previous figure (stale); a token
// that expired since the last call is fetched again; and the campaign's
// funnel never takes these app-wide counts.
func TestPollerWeComStatistics(t *testing.T) {
	fake := wecomfake.New(t)
	fake.SetAppName("通知")
	h := newHarness(t, Config{})
	acct := h.account("wecom", fake.URL, fake.Credentials())
	c := h.campaign(acct, providers.TypeText, models.Audience{Kind: "cid", Values: []string{"alice", "bob", "carol"}}, draft.Options{})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.stop()
	ctx := context.Background()
	// Another app's messages of the day are no concern of this account.
	fake.AddOtherApp(1000099, "other", 500, 400)

	h.engine.poll.pollAccountStats(ctx, h.store.Now())
	if n := fake.Count(wecomfake.PathStatistics); n != 2 {
		t.Fatalf("%d get_statistics calls, want 2 (today, yesterday)", n)
	}
	days := mustAccountStats(t, h, acct.ID)
	today, yesterday := days[0], days[1]
	if today.Good.Count != 3 || today.Good.AppName != "通知" || today.Good.AgentID != wecomfake.DefaultAgentID ||
		today.Good.StatDate != chinaToday(time.Now()) || today.Stale {
		t.Fatalf("today %+v", today)
	}
	if yesterday.Good.ID == 0 || yesterday.Good.Count != 0 || yesterday.Stale {
		t.Fatalf("yesterday %+v", yesterday)
	}

	t.Run("funnel untouched", func(t *testing.T) {
		f, err := h.engine.CampaignFunnel(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if f.Reported || f.Totals.Received != 0 || f.Totals.Sent != 3 || len(f.Channels) != 1 || f.Channels[0].Channel != "wecom" || f.Channels[0].Received != 0 {
			t.Fatalf("funnel %+v", f)
		}
		if _, _, err := h.store.LatestSnapshot(ctx, c.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a campaign snapshot was stored: %v", err)
		}
	})

	t.Run("at most once per PollEvery", func(t *testing.T) {
		h.engine.poll.pollAccountStats(ctx, h.store.Now())
		h.engine.poll.pollReports(ctx)
		if n := fake.Count(wecomfake.PathStatistics); n != 2 {
			t.Fatalf("%d get_statistics calls within PollEvery, want 2", n)
		}
	})

	t.Run("error keeps the figures, stale", func(t *testing.T) {
		fake.RateLimitNext(2)
		h.engine.PollAccountStats(ctx, acct.ID)
		days := mustAccountStats(t, h, acct.ID)
		for _, d := range days {
			if !d.Stale || !strings.HasPrefix(d.LastError, "45009:") || d.LastErrorAt == nil || d.Good.ID == 0 {
				t.Fatalf("day %d: %+v", d.Day, d)
			}
		}
		if days[0].Good.Count != 3 {
			t.Fatalf("today's figure after a failed poll: %+v", days[0])
		}
	})

	t.Run("token expired mid-run", func(t *testing.T) {
		c2 := h.campaign(acct, providers.TypeText, models.Audience{Kind: "cid", Values: []string{"dave"}}, draft.Options{})
		h.start()
		h.send(c2)
		h.waitStatus(c2.ID, 10*time.Second, models.StatusCompleted)
		h.stop()
		h.engine.PollAccountStats(ctx, acct.ID) // the client holds a token now
		tokens := fake.Count(wecomfake.PathToken)
		fake.ExpireTokens()
		h.engine.PollAccountStats(ctx, acct.ID)
		days := mustAccountStats(t, h, acct.ID)
		if days[0].Stale || days[0].Good.Count != 4 || days[1].Stale {
			t.Fatalf("after token expiry %+v", days)
		}
		if n := fake.Count(wecomfake.PathToken); n != tokens+1 {
			t.Fatalf("gettoken calls %d → %d, want one more", tokens, n)
		}
		var refused int
		for _, r := range fake.Requests() {
			if r.Path == wecomfake.PathStatistics && r.ErrCode == 42001 {
				refused++
			}
		}
		if refused != 1 {
			t.Fatalf("%d get_statistics calls refused with 42001, want 1 (then retried)", refused)
		}
	})

	t.Run("a day later today's count is yesterday's", func(t *testing.T) {
		fake.Advance(24 * time.Hour)
		h.engine.PollAccountStats(ctx, acct.ID)
		days := mustAccountStats(t, h, acct.ID)
		if days[0].Good.Count != 0 || days[1].Good.Count != 4 {
			t.Fatalf("a day later %+v", days)
		}
	})
}

func mustAccountStats(t *testing.T, h *harness, id int64) []models.AccountDayStat {
	t.Helper()
	days, err := h.store.LatestAccountStats(context.Background(), id)
	if err != nil || len(days) != 2 {
		t.Fatalf("account stats %+v %v", days, err)
	}
	return days
}

// TestPollerAccountStatsSkips: accounts without per-app statistics, and
// disabled accounts, are not polled.
func TestPollerAccountStatsSkips(t *testing.T) {
	fake := wecomfake.New(t)
	h := newHarness(t, Config{})
	acct := h.account("wecom", fake.URL, fake.Credentials())
	sandbox := h.account("sandbox", "", json.RawMessage(`{}`))
	c := h.campaign(acct, providers.TypeText, models.Audience{Kind: "cid", Values: []string{"alice"}}, draft.Options{})
	cs := h.campaign(sandbox, providers.TypeNotification, models.Audience{Kind: "cid", Values: []string{"sandbox-0000001"}}, draft.Options{})
	h.start()
	h.send(c)
	h.send(cs)
	h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.waitStatus(cs.ID, 10*time.Second, models.StatusCompleted)
	h.stop()
	ctx := context.Background()
	if ids, err := h.store.AccountsToPoll(ctx, h.store.Now().Add(-time.Hour)); err != nil || len(ids) != 2 {
		t.Fatalf("accounts to poll %v %v", ids, err)
	}
	if err := h.store.DB().Exec(`UPDATE provider_accounts SET disabled = TRUE WHERE id = ?`, acct.ID).Error; err != nil {
		t.Fatal(err)
	}
	h.engine.poll.pollAccountStats(ctx, h.store.Now())
	if n := fake.Count(wecomfake.PathStatistics); n != 0 {
		t.Fatalf("disabled account polled %d times", n)
	}
	for _, id := range []int64{acct.ID, sandbox.ID} {
		if _, ok, err := h.store.LastAccountPoll(ctx, id); ok || err != nil {
			t.Fatalf("stored a poll of account %d: %v %v", id, ok, err)
		}
	}
}
