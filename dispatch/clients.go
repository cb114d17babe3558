package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// clients caches one provider client per account version, so each account
// keeps its own token cache and connection pool, plus the account's request
// rate shared by every campaign using it.
type clients struct {
	store credentialStore
	reg   providers.Registry
	log   *slog.Logger

	mu sync.Mutex
	m  map[int64]*client
	// share is how many live instances pace each account together.
	share int
}

// credentialStore opens an account's sealed credentials for its client.
type credentialStore interface {
	// ProviderCredentials returns an error when the credentials no longer
	// open (the sealing key changed).
	ProviderCredentials(a models.ProviderAccount) (json.RawMessage, error)
}

type client struct {
	version time.Time
	kind    string
	p       providers.Provider
	// rate paces the account (fixed or learned); limit is its bucket.
	rate  *accountRate
	limit *rate.Limiter
}

func newClients(store credentialStore, reg providers.Registry, log *slog.Logger) *clients {
	return &clients{store: store, reg: reg, log: log, m: map[int64]*client{}, share: 1}
}

// setShare makes every account paced at 1/n of its rate here (n live
// instances) and returns the previous n.
func (cs *clients) setShare(n int) int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	prev := cs.share
	cs.share = max(1, n)
	now := time.Now()
	for _, c := range cs.m {
		c.rate.setShare(cs.share, now)
	}
	return prev
}

// instances is how many live instances share each rate.
func (cs *clients) instances() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.share
}

// entry returns the account's client, built again when the account changed
// (new credentials, base URL or rate: a learned rate starts over).
func (cs *clients) entry(ctx context.Context, acct models.ProviderAccount) (*client, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.m[acct.ID]; ok && c.version.Equal(acct.UpdatedAt) {
		return c, nil
	}
	creds, err := cs.store.ProviderCredentials(acct)
	if err != nil {
		return nil, err
	}
	log := cs.log.With(slog.String("provider", acct.Kind), slog.Int64("account", acct.ID))
	p, err := cs.reg.Build(providers.Kind(acct.Kind), providers.Config{BaseURL: acct.BaseURL, Credentials: creds, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("dispatch: client for account %d: %w", acct.ID, err)
	}
	r := newAccountRate(acct.RateLimit, p.Capabilities().RequestsPerSecond, models.MaxRateLimit, time.Now(), log)
	r.setShare(cs.share, time.Now())
	c := &client{version: acct.UpdatedAt, kind: acct.Kind, p: p, rate: r, limit: r.lim}
	cs.m[acct.ID] = c
	return c, nil
}

func (cs *clients) get(ctx context.Context, acct models.ProviderAccount) (providers.Provider, error) {
	c, err := cs.entry(ctx, acct)
	if err != nil {
		return nil, err
	}
	return c.p, nil
}

// AccountRate is an account's request rate as the engine paces it now.
type AccountRate struct {
	// RequestsPerSecond is the operator's rate, or the learned one.
	RequestsPerSecond float64
	// Adaptive is true when the rate is learned from the provider's answers.
	Adaptive bool
}

// AccountRate returns the rate the engine paces the account at: the
// operator's, or the one learned so far (the provider's safe default
// before any traffic).
func (e *Engine) AccountRate(ctx context.Context, acct models.ProviderAccount) (AccountRate, error) {
	c, err := e.clients.entry(ctx, acct)
	if err != nil {
		return AccountRate{}, err
	}
	rps, adaptive := c.rate.Rate()
	return AccountRate{RequestsPerSecond: rps, Adaptive: adaptive}, nil
}

// CampaignRate is how many recipients per second a sending campaign goes
// at when nothing pushes back: its account's rate times the recipients a
// request carries, capped by the campaign's own speed. An estimate of the
// time left is the pending count over it; the rate of the last seconds
// says nothing while a campaign is still speeding up or paced.
func (e *Engine) CampaignRate(ctx context.Context, c models.Campaign) (float64, error) {
	info, err := e.send.sendInfo(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	acct, err := e.send.account(ctx, info.providerID)
	if err != nil {
		return 0, err
	}
	cl, err := e.clients.entry(ctx, acct)
	if err != nil {
		return 0, err
	}
	rps, _ := cl.rate.Rate()
	per := float64(max(1, cl.p.Capabilities().Audiences[providers.AudienceCID]))
	if c.PlanSeq > 0 && c.Recipients > 0 {
		per = float64(c.Recipients) / float64(c.PlanSeq) // as planned (a speed cuts batches)
	}
	r := rps * per
	if info.speed > 0 {
		r = min(r, float64(info.speed))
	}
	return r, nil
}
