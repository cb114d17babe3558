package dispatch

import (
	"context"
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
// rate limiter shared by every campaign using it.
type clients struct {
	store *models.Store
	reg   providers.Registry
	log   *slog.Logger

	mu sync.Mutex
	m  map[int64]*client
}

type client struct {
	version time.Time
	p       providers.Provider
	limit   *rate.Limiter
}

func newClients(store *models.Store, reg providers.Registry, log *slog.Logger) *clients {
	return &clients{store: store, reg: reg, log: log, m: map[int64]*client{}}
}

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
	p, err := cs.reg.Build(providers.Kind(acct.Kind), providers.Config{
		BaseURL: acct.BaseURL, Credentials: creds, Logger: cs.log.With(slog.String("provider", acct.Kind), slog.Int64("account", acct.ID)),
	})
	if err != nil {
		return nil, fmt.Errorf("dispatch: client for account %d: %w", acct.ID, err)
	}
	rps := p.Capabilities().RequestsPerSecond
	if acct.RateLimit > 0 {
		rps = acct.RateLimit
	}
	if rps <= 0 {
		rps = 10
	}
	c := &client{version: acct.UpdatedAt, p: p, limit: rate.NewLimiter(rate.Limit(rps), max(1, int(rps)))}
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

// speedLimit paces one campaign at its messages-per-second option.
type speedLimit struct {
	speed int
	l     *rate.Limiter
}

// campaignLimiter returns the campaign's limiter, or nil for "as fast as
// the account allows".
func (e *Engine) campaignLimiter(id int64, speed, batch int) *rate.Limiter {
	if speed <= 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.speeds[id]; ok && s.speed == speed {
		return s.l
	}
	// The burst must hold one whole batch, or WaitN could never succeed.
	l := rate.NewLimiter(rate.Limit(speed), max(speed, batch))
	e.speeds[id] = &speedLimit{speed: speed, l: l}
	return l
}
