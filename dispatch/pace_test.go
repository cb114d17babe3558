package dispatch

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// rateAccount is an MX push account on fake with an explicit rate (0:
// adaptive).
func (h *harness) rateAccount(name string, fake *mxfake.Server, rps float64) models.ProviderAccount {
	h.t.Helper()
	a, err := h.store.CreateProviderAccount(context.Background(), models.ProviderInput{Name: name, Kind: "mxpush",
		BaseURL: fake.URL(), Credentials: fake.Credentials(), RateLimit: rps})
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

// pushes returns the push requests the fake received (refused ones
// included) with their recipient counts.
func pushes(t *testing.T, fake *mxfake.Server) (at []time.Time, sizes []int) {
	t.Helper()
	for _, r := range fake.RequestsTo("/push/notify") {
		var body struct {
			Audience struct {
				PushToken []string `json:"push_token"`
			} `json:"audience"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		at, sizes = append(at, r.At), append(sizes, len(body.Audience.PushToken))
	}
	return at, sizes
}

// pushedOnce checks that the fake accepted every recipient exactly once.
func pushedOnce(t *testing.T, fake *mxfake.Server, n int) {
	t.Helper()
	pushed := map[string]int{}
	for _, task := range fake.Tasks() {
		for _, v := range task.Values {
			pushed[v]++
		}
	}
	for _, id := range cids(n) {
		if pushed[id] != 1 {
			t.Fatalf("%s accepted %d times, want once", id, pushed[id])
		}
	}
}

// TestAdaptiveRateLearnsProviderLimit: an account with no rate set starts
// at MX push's default of 10 requests/s and speeds up; the provider
// refuses what exceeds 40 requests/s; the engine learns a rate below that
// limit and every recipient is still accepted exactly once.
func TestAdaptiveRateLearnsProviderLimit(t *testing.T) {
	const limit = 40.0
	fake := mxfake.New(t)
	fake.LimitRate(limit, 4)
	h := newHarness(t, Config{Workers: 4, MaxAttempts: 30})
	acct := h.rateAccount("adaptive", fake, 0)
	const n = 60 * 500 // 60 requests
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, Options{})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 60*time.Second, models.StatusCompleted)
	h.checkInvariants(c, n)
	if c.Accepted != n {
		t.Fatalf("accepted %d of %d", c.Accepted, n)
	}
	pushedOnce(t, fake, n)
	r, err := h.engine.AccountRate(context.Background(), acct)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("learned %.1f requests/s; %d pushes refused of %d", r.RequestsPerSecond, fake.Throttled(), len(fake.RequestsTo("/push/notify")))
	if fake.Throttled() == 0 {
		t.Fatal("the provider never pushed back: the rate did not grow past the default")
	}
	if !r.Adaptive || r.RequestsPerSecond > limit*1.05 || r.RequestsPerSecond < limit/4 {
		t.Errorf("learned rate %.1f/s (adaptive %t), want below the provider's %.0f/s and above a quarter of it", r.RequestsPerSecond, r.Adaptive, limit)
	}
}

// TestSpeedPacedEvenly: a campaign at 10 messages/s is sent 10 recipients
// a request, one request a second: no one-second window carries more than
// two requests' worth (the old limiter let a whole 500-recipient batch go
// at once).
func TestSpeedPacedEvenly(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{Workers: 4})
	acct := h.rateAccount("paced", fake, 0)
	const speed, n = 10, 40
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, Options{Speed: speed})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 30*time.Second, models.StatusCompleted)
	h.checkInvariants(c, n)
	pushedOnce(t, fake, n)
	at, sizes := pushes(t, fake)
	if slices.Max(sizes) > speed {
		t.Errorf("requests of %v recipients, want at most %d (one second's worth)", sizes, speed)
	}
	for i := range at {
		sum := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
			sum += sizes[j]
		}
		if sum > 2*speed {
			t.Errorf("%d messages within a second of request %d, want at most %d", sum, i+1, 2*speed)
		}
	}
	if span := at[len(at)-1].Sub(at[0]); span < time.Duration(n/speed-1)*time.Second*9/10 {
		t.Errorf("%d messages at %d/s sent within %s", n, speed, span)
	}
}

// TestHealthyAccountNotStalled: while another account's campaign is being
// refused by its provider (every push answers 429) and paced down to a
// crawl, a campaign on a healthy account takes the same time as the same
// campaign on a twin account did alone: the throttled account's batches
// hold no workers.
func TestHealthyAccountNotStalled(t *testing.T) {
	throttled := mxfake.New(t)
	throttled.LimitRate(0.001, 1) // one push, then 429s
	h := newHarness(t, Config{Workers: 4, MaxAttempts: 1000})
	const n = 40 * 500 // 40 requests at 40/s: about a second
	// A run's time is from its first push to its last as its provider saw
	// them: planning and status polling are not measured. Each run has its
	// own account, so the first one's report polls (paced by its account's
	// rate) do not slow the second.
	run := func(name string) time.Duration {
		t.Helper()
		fake := mxfake.New(t)
		c := h.campaign(h.rateAccount(name, fake, 40), providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, Options{})
		h.send(c)
		c = h.waitStatus(c.ID, 60*time.Second, models.StatusCompleted)
		h.checkInvariants(c, n)
		at, _ := pushes(t, fake)
		return at[len(at)-1].Sub(at[0])
	}
	h.start()
	alone := run("alone")
	b := h.campaign(h.rateAccount("throttled", throttled, 0), providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, Options{})
	h.send(b)
	// Measured once its plan is frozen and its provider has pushed back.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		cur, err := h.store.CampaignByID(context.Background(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Planned && throttled.Throttled() >= 3 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if throttled.Throttled() < 3 {
		t.Fatal("the throttled account's campaign did not start")
	}
	beside := run("beside")
	t.Logf("healthy campaign alone %s, beside the throttled one %s", alone, beside)
	if ratio := beside.Seconds() / alone.Seconds(); ratio > 1.2 || ratio < 0.8 {
		t.Errorf("healthy campaign took %s beside the throttled one, %s alone (%.0f%%), want within ±20%%", beside, alone, ratio*100)
	}
	if st, err := h.store.CampaignStatus(context.Background(), b.ID); err != nil || st != models.StatusSending {
		t.Errorf("throttled campaign %s %v, want still sending", st, err)
	}
}

// TestCampaignRate: a campaign's sending rate is its account's request
// rate times the recipients a request carries, capped by its speed.
func TestCampaignRate(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{})
	learned := h.rateAccount("learned", fake, 0) // MX push's default: 10 requests/s
	fixed := h.rateAccount("fixed", fake, 3)
	tests := []struct {
		name  string
		acct  models.ProviderAccount
		speed int
		want  float64
	}{
		{"default rate, 500 a request", learned, 0, 5000},
		{"speed below it", learned, 10, 10},
		{"speed above it", fixed, 100_000, 1500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := h.campaign(tc.acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(1200)}, Options{Speed: tc.speed})
			got, err := h.engine.CampaignRate(context.Background(), c)
			if err != nil || got != tc.want {
				t.Errorf("rate %v %v, want %v recipients/s", got, err, tc.want)
			}
		})
	}
}
