package dispatch

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
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
// refuses what exceeds 40 requests/s; the rate the engine learns stays
// below that limit on average once it has met it (a saw-tooth: it probes
// a little above, is refused, halves) and every recipient is still
// accepted exactly once.
func TestAdaptiveRateLearnsProviderLimit(t *testing.T) {
	const limit = 40.0
	fake := mxfake.New(t)
	fake.LimitRate(limit, 4)
	h := newHarness(t, Config{Workers: 4, MaxAttempts: 30})
	acct := h.rateAccount("adaptive", fake, 0)
	const n = 100 * 500 // 100 requests: a few seconds at the limit
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, draft.Options{})
	h.start()
	h.send(c)
	// The learned rate, every 10 ms from the provider's first refusal on.
	var learned []float64
	deadline := time.Now().Add(60 * time.Second)
	for {
		cur, err := h.store.CampaignByID(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Status == models.StatusCompleted || time.Now().After(deadline) {
			c = cur
			break
		}
		r, err := h.engine.AccountRate(context.Background(), acct)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Adaptive {
			t.Fatal("an account with no rate set is not adaptive")
		}
		if fake.Throttled() > 0 {
			learned = append(learned, r.RequestsPerSecond)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if c.Status != models.StatusCompleted || c.Accepted != n {
		t.Fatalf("campaign %s, accepted %d of %d", c.Status, c.Accepted, n)
	}
	h.checkInvariants(c, n)
	pushedOnce(t, fake, n)
	if len(learned) < 10 {
		t.Fatalf("the provider pushed back only at the end (%d samples): the rate did not grow past its limit", len(learned))
	}
	var mean, peak float64
	for i, r := range learned {
		mean += r / float64(len(learned))
		if i >= 20 { // the cut takes the refusal's answer to arrive
			peak = max(peak, r)
		}
	}
	t.Logf("learned %.1f requests/s on average (peak %.1f) after the first refusal; %d pushes refused of %d",
		mean, peak, fake.Throttled(), len(fake.RequestsTo("/push/notify")))
	if mean > limit || mean < limit/4 {
		t.Errorf("learned %.1f requests/s on average, want below the provider's %.0f/s (and above a quarter of it)", mean, limit)
	}
	if peak > 1.5*limit {
		t.Errorf("learned rate peaked at %.1f/s once cut, want it kept within half again the limit", peak)
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
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, draft.Options{Speed: speed})
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

// TestHealthyAccountNotStalled: while another account's campaign is paced
// at 1 request/s and refused by its provider (every push answers 429), a
// campaign on a healthy account takes the same time as the same campaign
// on a twin account did alone: the slow account's batches hold no workers
// (they used to wait in a worker for their account's turn, until every
// worker did).
func TestHealthyAccountNotStalled(t *testing.T) {
	slow := mxfake.New(t)
	slow.LimitRate(0.001, 1) // one push, then 429s
	h := newHarness(t, Config{Workers: 4, MaxAttempts: 1000})
	const n = 20 * 500 // 20 requests at 10/s: about two seconds
	// A run's time is from its first push to its last as its provider saw
	// them: planning and status polling are not measured. Each run has its
	// own account, so the first one's report polls (paced by its account's
	// rate) do not slow the second.
	run := func(name string) time.Duration {
		t.Helper()
		fake := mxfake.New(t)
		c := h.campaign(h.rateAccount(name, fake, 10), providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(n)}, draft.Options{})
		h.send(c)
		c = h.waitStatus(c.ID, 60*time.Second, models.StatusCompleted)
		h.checkInvariants(c, n)
		at, _ := pushes(t, fake)
		return at[len(at)-1].Sub(at[0])
	}
	h.start()
	alone := run("alone")
	b := h.campaign(h.rateAccount("slow", slow, 1), providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(4 * n)}, draft.Options{})
	h.send(b)
	// Measured once its plan is frozen and its provider has pushed back.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		cur, err := h.store.CampaignByID(context.Background(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Planned && slow.Throttled() >= 2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if slow.Throttled() < 2 {
		t.Fatal("the slow account's campaign did not start")
	}
	beside := run("beside")
	t.Logf("healthy campaign alone %s, beside the slow one %s", alone, beside)
	if ratio := beside.Seconds() / alone.Seconds(); ratio > 1.2 || ratio < 0.8 {
		t.Errorf("healthy campaign took %s beside the slow one, %s alone (%.0f%%), want within ±20%%", beside, alone, ratio*100)
	}
	if st, err := h.store.CampaignStatus(context.Background(), b.ID); err != nil || st != models.StatusSending {
		t.Errorf("slow campaign %s %v, want still sending", st, err)
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
			c := h.campaign(tc.acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(1200)}, draft.Options{Speed: tc.speed})
			got, err := h.engine.CampaignRate(context.Background(), c)
			if err != nil || got != tc.want {
				t.Errorf("rate %v %v, want %v recipients/s", got, err, tc.want)
			}
		})
	}
}
