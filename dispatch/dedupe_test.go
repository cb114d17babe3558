package dispatch

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
	"github.com/pushdeck/pushdeck/providers/wecom"
)

// wecomRun sends one text campaign to n users through the WeCom fake
// while every third message/send call is processed and then loses its
// answer (a 502, or a hang past the client's 150 ms timeout, in turn).
// It returns the fake and how often each user was delivered the message.
func wecomRun(t *testing.T, n int, opts draft.Options) (*wecomfake.Server, map[string]int, models.Campaign) {
	t.Helper()
	fake := wecomfake.New(t)
	h := newHarness(t, Config{Workers: 4, MaxAttempts: 30})
	acct := fastWeComAccount(t, h, fake)
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("user%06d", i)
	}
	c := h.campaign(acct, providers.TypeText, models.Audience{Kind: "cid", Values: users}, opts)
	fake.LoseAnswerEvery(3, wecomfake.Loss{Status: http.StatusBadGateway}, wecomfake.Loss{Hang: 400 * time.Millisecond})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 120*time.Second, models.StatusCompleted)
	h.stop()
	h.checkInvariants(c, n)
	got := map[string]int{}
	for _, m := range fake.Messages() {
		for _, u := range m.Delivered {
			got[u]++
		}
	}
	return fake, got, c
}

// fastWeComAccount is a WeCom account on the fake whose client times out
// after 150 ms and whose rate does not slow the test down.
func fastWeComAccount(t *testing.T, h *harness, fake *wecomfake.Server) models.ProviderAccount {
	t.Helper()
	ctx := context.Background()
	acct := h.account("wecom", fake.URL, fake.Credentials())
	if err := h.store.DB().Exec(`UPDATE provider_accounts SET rate_limit = 1000 WHERE id = ?`, acct.ID).Error; err != nil {
		t.Fatal(err)
	}
	acct, err := h.store.ProviderAccountByID(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := h.engine.clients.entry(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	cl.p, err = wecom.New(providers.Config{BaseURL: fake.URL, Credentials: fake.Credentials(), HTTPClient: &http.Client{Timeout: 150 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

// dedupeRecipients is the audience of the exactly-once test:
// PUSHDECK_DEDUPE_RECIPIENTS overrides the 60,000 default.
func dedupeRecipients(t *testing.T) int {
	n := 60_000
	if s := os.Getenv("PUSHDECK_DEDUPE_RECIPIENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			t.Fatalf("PUSHDECK_DEDUPE_RECIPIENTS=%q: want a positive integer", s)
		}
		n = v
	}
	return n
}

// TestWeComExactlyOnceUnderLostAnswers: with the duplicate check on (the
// default), lost answers on WeCom cost retries but no user gets the
// message twice and none misses it, because every retry of a batch is the
// same bytes inside the window WeCom was asked to de-duplicate over.
func TestWeComExactlyOnceUnderLostAnswers(t *testing.T) {
	n := dedupeRecipients(t)
	fake, got, c := wecomRun(t, n, draft.Options{ErrorThreshold: 100})
	twice, missed := 0, 0
	for i := range n {
		switch got[fmt.Sprintf("user%06d", i)] {
		case 0:
			missed++
		case 1:
		default:
			twice++
		}
	}
	lost, sends := 0, 0
	bodies := map[string][]byte{} // touser → first body
	for _, r := range fake.Requests() {
		if r.Path != wecomfake.PathSend {
			continue
		}
		sends++
		if r.Lost {
			lost++
		}
		var key string
		if i := bytes.Index(r.Body, []byte(`"touser":"`)); i >= 0 {
			key = string(r.Body[i : i+40])
		}
		if first, ok := bodies[key]; !ok {
			bodies[key] = r.Body
		} else if !bytes.Equal(first, r.Body) {
			t.Errorf("a retry sent other bytes:\n…%s\n…%s", tail(first), tail(r.Body))
		}
	}
	t.Logf("%d recipients, %d batches, %d send calls, %d answers lost: %d delivered twice, %d missed", n, len(bodies), sends, lost, twice, missed)
	if lost == 0 {
		t.Fatal("no answer was lost: the test proves nothing")
	}
	if twice != 0 || missed != 0 || c.Accepted != int64(n) {
		t.Errorf("%d users got the message twice, %d not at all; %d accepted of %d", twice, missed, c.Accepted, n)
	}
	if !bytes.Contains(fake.Messages()[0].Body, []byte(`"enable_duplicate_check":1,"duplicate_check_interval":`)) {
		t.Errorf("first body does not ask for the duplicate check: …%s", tail(fake.Messages()[0].Body))
	}
}

// TestWeComDuplicatesWithoutTheCheck shows why the check is the default:
// turned off, the same lost answers deliver batches twice.
func TestWeComDuplicatesWithoutTheCheck(t *testing.T) {
	off := false
	n := min(dedupeRecipients(t), 12_000)
	fake, got, _ := wecomRun(t, n, draft.Options{ErrorThreshold: 100, DuplicateCheck: &off})
	twice := 0
	for _, k := range got {
		if k > 1 {
			twice++
		}
	}
	t.Logf("check off: %d of %d users got the message twice", twice, n)
	if twice == 0 {
		t.Error("no duplicates with the check off: the faults did not hit")
	}
	if !strings.Contains(string(fake.Messages()[0].Body), `"enable_duplicate_check":0`) {
		t.Errorf("check off, yet the body asks for it: …%s", tail(fake.Messages()[0].Body))
	}
}

// tail is the end of a request body, where the options are.
func tail(b []byte) []byte { return b[max(0, len(b)-120):] }

// TestDedupeWindowBoundsRetries: a WeCom batch whose first attempt is
// older than the de-duplication window (here: its campaign was paused for
// hours after a lost answer) is not sent again but ends failed, saying
// why; with the check off it is sent again.
func TestDedupeWindowBoundsRetries(t *testing.T) {
	off := false
	for _, tc := range []struct {
		name  string
		opts  draft.Options
		sends int // send calls after the resume
	}{
		{"check on", draft.Options{ErrorThreshold: 100}, 0},
		{"check off", draft.Options{ErrorThreshold: 100, DuplicateCheck: &off}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fake := wecomfake.New(t)
			h := newHarness(t, Config{Workers: 1, MaxAttempts: 1000})
			acct := fastWeComAccount(t, h, fake)
			c := h.campaign(acct, providers.TypeText, models.Audience{Kind: "cid", Values: []string{"alice", "bob"}}, tc.opts)
			fake.LoseAnswerEvery(1, wecomfake.Loss{Status: http.StatusBadGateway})
			h.start()
			h.send(c)
			deadline := time.Now().Add(10 * time.Second)
			for fake.Count(wecomfake.PathSend) < 2 {
				if time.Now().After(deadline) {
					t.Fatal("no send call in 10 s")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if _, err := h.engine.Pause(ctx, c.ID, "test"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // the call in flight ends
			fake.LoseAnswerEvery(0)
			// Hours pass while the campaign is paused.
			if err := h.store.DB().Model(&models.Batch{}).Where("campaign_id = ?", c.ID).
				Update("first_attempt_at", time.Now().Add(-5*time.Hour)).Error; err != nil {
				t.Fatal(err)
			}
			before := fake.Count(wecomfake.PathSend)
			if _, err := h.engine.Resume(ctx, c.ID, "test"); err != nil {
				t.Fatal(err)
			}
			c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted, models.StatusFailed)
			if got := fake.Count(wecomfake.PathSend) - before; got != tc.sends {
				t.Errorf("%d send calls after the resume, want %d", got, tc.sends)
			}
			fs, err := h.store.CampaignFailures(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tc.sends == 0 && (c.Failed != 2 || len(fs) != 1 || fs[0].Code != CodeDedupeWindow || !strings.Contains(fs[0].Message, "http_502")) {
				t.Errorf("totals %+v, failures %+v: want both failed with %s naming the last answer", c.Totals(), fs, CodeDedupeWindow)
			}
			if tc.sends == 1 && c.Accepted != 2 {
				t.Errorf("totals %+v: want both accepted after the resume", c.Totals())
			}
		})
	}
}

// TestRetryHorizon: the window asked of WeCom covers the default retry
// horizon (8 attempts, backoff 2 s doubling to 5 min, 1 min leases:
// 12 min 14 s) in whole minutes, and never exceeds the provider's 4 h.
func TestRetryHorizon(t *testing.T) {
	caps := providers.Capabilities{Idempotency: providers.IdempotencyDedupeWindow, DedupeWindow: 4 * time.Hour}
	var def Config
	def.defaults()
	long := Config{MaxAttempts: 100, BackoffMax: time.Hour}
	long.defaults()
	on := campaignInfo{dedupe: true}
	for _, tc := range []struct {
		name string
		cfg  Config
		caps providers.Capabilities
		info campaignInfo
		want time.Duration
	}{
		{"defaults", def, caps, on, 13 * time.Minute},
		{"capped at the provider's longest", long, caps, on, 4 * time.Hour},
		{"check off", def, caps, campaignInfo{}, 0},
		{"request ids", def, providers.Capabilities{Idempotency: providers.IdempotencyRequestID}, on, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &sender{cfg: tc.cfg}
			if got := e.dedupeWindow(tc.caps, tc.info); got != tc.want {
				t.Errorf("window %v, want %v (horizon %v)", got, tc.want, tc.cfg.retryHorizon())
			}
		})
	}
}

// TestUnsafeAttempt: which providers and timings allow another attempt.
func TestUnsafeAttempt(t *testing.T) {
	var cfg Config
	cfg.defaults()
	e := &sender{cfg: cfg}
	now := time.Now()
	at := func(ago time.Duration) *time.Time { t := now.Add(-ago); return &t }
	window := providers.Capabilities{Idempotency: providers.IdempotencyDedupeWindow, DedupeWindow: 4 * time.Hour}
	on, off := campaignInfo{dedupe: true}, campaignInfo{}
	for _, tc := range []struct {
		name   string
		caps   providers.Capabilities
		info   campaignInfo
		first  *time.Time
		unsafe string // the code it ends with, "" when the attempt may go
	}{
		{"request ids, late", providers.Capabilities{Idempotency: providers.IdempotencyRequestID}, on, at(10 * time.Hour), ""},
		{"window, early", window, on, at(time.Minute), ""},
		{"window, within a lease of its end", window, on, at(12*time.Minute + 30*time.Second), CodeDedupeWindow},
		{"window, late", window, on, at(5 * time.Hour), CodeDedupeWindow},
		{"window, late, check off", window, off, at(5 * time.Hour), ""},
		{"none", providers.Capabilities{}, on, at(time.Second), CodeNoDedupe},
		{"none, check off", providers.Capabilities{}, off, at(time.Second), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, unsafe := e.unsafeAttempt(models.Batch{Attempts: 2, FirstAttemptAt: tc.first}, tc.caps, tc.info, now, "timeout", "request timed out")
			switch {
			case unsafe != (tc.unsafe != ""):
				t.Fatalf("unsafe %v, want %q", unsafe, tc.unsafe)
			case unsafe && (res.Code != tc.unsafe || res.Final != models.DeliveryFailed || !strings.Contains(res.Message, "timeout: request timed out")):
				t.Errorf("ends with %+v", res)
			}
		})
	}
}

// TestProvenUnsent: a failure the provider proves delivered nothing may be
// retried even without de-duplication; an unknown outcome may not.
func TestProvenUnsent(t *testing.T) {
	for _, tc := range []struct {
		name     string
		attempts int
		pe       providers.Error
		want     bool
	}{
		{"not delivered", 3, providers.Error{Class: providers.Retry, NotDelivered: true}, true},
		{"refused token, first attempt", 1, providers.Error{Class: providers.Reauth}, true},
		{"refused token, later attempt", 2, providers.Error{Class: providers.Reauth}, false},
		{"unknown outcome", 1, providers.Error{Class: providers.Retry, Code: "timeout"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := provenUnsent(models.Batch{Attempts: tc.attempts}, &tc.pe); got != tc.want {
				t.Fatalf("provenUnsent = %v, want %v", got, tc.want)
			}
		})
	}
}
