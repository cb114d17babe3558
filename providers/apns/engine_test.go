package apns_test

// These tests drive whole campaigns through the campaign engine, on real
// SQLite, to an APNs fake on loopback. They live beside the client (an
// external test package, so the client itself still never imports the
// engine or the models) because nothing in dispatch may name a kind.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/apns"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
)

// engineRig is an engine on a fresh database with one APNs account
// pointing at a fake.
type engineRig struct {
	store  *models.Store
	engine *dispatch.Engine
	acct   models.ProviderAccount
}

// newEngineRig builds the engine through its public constructor. The
// registry's apns entry hands the client the fake's HTTP client (which
// trusts the fake's certificate); everything else is the product's.
func newEngineRig(tb testing.TB, f *apnsfake.Server, rateLimit float64) *engineRig {
	tb.Helper()
	ctx := context.Background()
	db, rdb := dbtest.Open(tb)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sealer, err := models.NewSealer("k")
	if err != nil {
		tb.Fatal(err)
	}
	store := models.NewStore(db, sealer).WithReader(rdb)
	spec := apns.Spec()
	spec.New = func(cfg providers.Config) (providers.Provider, error) {
		cfg.HTTPClient = f.Client()
		return apns.New(cfg)
	}
	reg := providers.Registry{apns.Kind: spec}
	eng := dispatch.New(store, reg, dispatch.Config{Workers: 4, Idle: 10 * time.Millisecond, PollEvery: time.Hour,
		BackoffBase: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond, MaxWait: 100 * time.Millisecond}, log)
	acct, err := store.CreateProviderAccount(ctx, models.ProviderInput{Name: "apns", Kind: string(apns.Kind),
		BaseURL: f.URL(), Credentials: f.Credentials(), RateLimit: rateLimit})
	if err != nil {
		tb.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { eng.Run(runCtx); close(done) }()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
	return &engineRig{store: store, engine: eng, acct: acct}
}

// create makes a notification campaign to the tokens.
func (r *engineRig) create(tb testing.TB, tokens []string) models.Campaign {
	tb.Helper()
	d := draft.Draft{Name: "apns", ProviderID: r.acct.ID, Audience: models.Audience{Kind: "cid", Values: tokens},
		Message: providers.Message{Type: providers.TypeNotification, Title: "Hello", Body: "World"}}
	c, _, err := r.engine.CreateCampaign(context.Background(), d, "test", models.Idempotency{})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// send starts sending a campaign.
func (r *engineRig) send(tb testing.TB, c models.Campaign) {
	tb.Helper()
	if _, err := r.engine.Send(context.Background(), c.ID, "test"); err != nil {
		tb.Fatal(err)
	}
}

// wait polls the campaign until it leaves sending.
func (r *engineRig) wait(tb testing.TB, id int64, timeout time.Duration) models.Campaign {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := r.store.CampaignByID(context.Background(), id)
		if err != nil {
			tb.Fatal(err)
		}
		if c.Status == models.StatusCompleted || c.Status == models.StatusFailed || c.Status == models.StatusPaused {
			return c
		}
		if time.Now().After(deadline) {
			tb.Fatalf("campaign %d still %s after %v: %+v", id, c.Status, timeout, c.Totals())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// campaignSize is the recipients of the fault-mix campaign: 5,000 in the
// normal run, 100,000 with PUSHDECK_BENCH_FULL=1.
func campaignSize() int {
	if os.Getenv("PUSHDECK_BENCH_FULL") == "1" {
		return 100_000
	}
	return 5_000
}

// tokensFor returns n distinct device tokens.
func tokensFor(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%064x", uint64(i)*2654435761+1)
	}
	return out
}
