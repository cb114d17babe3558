package dispatch

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// leaderLease names the lease row whose holder runs the leader-only loops.
const leaderLease = "leader"

// leaseStore is what instances and leadership need of the store: the
// heartbeat table and the named leases.
type leaseStore interface {
	// Heartbeat registers this instance, or renews it, alive until now+ttl.
	Heartbeat(ctx context.Context, in models.Instance, ttl time.Duration) error
	// LiveInstances lists the instances whose heartbeat has not expired.
	LiveInstances(ctx context.Context) ([]models.Instance, error)
	// RemoveInstance deletes this instance's row on a graceful stop.
	RemoveInstance(ctx context.Context, id string) error
	// ReapInstances deletes expired instances (never self) and releases
	// their batch and webhook leases.
	ReapInstances(ctx context.Context, self string) ([]models.ReapedInstance, error)
	// AcquireLease takes or renews a named lease; false while another
	// owner holds it.
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// ReleaseLease gives up a named lease owner holds.
	ReleaseLease(ctx context.Context, name, owner string) error
}

// leadership keeps the leader lease and runs the leader-only loops while
// this instance holds it. It tries to take the lease every InstanceLease/3,
// so a holder renews it twice before it could expire, and another instance
// takes over within one InstanceLease of the holder's death. A holder that
// cannot renew (the database is unreachable, or another instance took the
// row after a stall) stops its loops before the lease it last wrote runs
// out, so two leaders never run at once while the clocks agree.
type leadership struct {
	store leaseStore
	owner string
	ttl   time.Duration
	log   *slog.Logger
	// lead runs the leader-only loops until its ctx ends.
	lead   func(ctx context.Context)
	leader atomic.Bool
}

// isLeader reports whether this instance runs the leader-only loops now.
func (l *leadership) isLeader() bool { return l.leader.Load() }

// term is one stretch of leadership: the loops' context and their wait.
type term struct {
	stop  context.CancelFunc
	loops sync.WaitGroup
}

// run contends for the lease until ctx ends, then stops leading and gives
// the lease up so another instance takes it at once.
func (l *leadership) run(ctx context.Context) {
	var (
		cur       *term
		lastRenew time.Time
	)
	resign := func(why string) {
		if cur == nil {
			return
		}
		cur.stop()
		cur.loops.Wait()
		cur = nil
		l.leader.Store(false)
		l.log.Info("leader loops stopped", slog.String("why", why))
	}
	t := time.NewTicker(max(l.ttl/3, 10*time.Millisecond))
	defer t.Stop()
	for {
		ok, err := l.store.AcquireLease(ctx, leaderLease, l.owner, l.ttl)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			l.log.Warn("leader lease", slog.Any("error", err))
			// Stop before the lease last written can run out: another
			// instance may take it then.
			if cur != nil && time.Since(lastRenew) > l.ttl*2/3 {
				resign("lease not renewed")
			}
		case ok:
			lastRenew = time.Now()
			if cur == nil {
				cur = l.begin(ctx)
			}
		default:
			resign("another instance holds the lease")
		}
		select {
		case <-ctx.Done():
			resign("shutting down")
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			if err := l.store.ReleaseLease(rctx, leaderLease, l.owner); err != nil {
				l.log.Warn("release leader lease", slog.Any("error", err))
			}
			cancel()
			return
		case <-t.C:
		}
	}
}

// begin starts the leader loops for a new term.
func (l *leadership) begin(ctx context.Context) *term {
	lctx, stop := context.WithCancel(ctx)
	t := &term{stop: stop}
	l.leader.Store(true)
	l.log.Info("leading: planner, scheduler, report poller and retention run here", slog.String("instance", l.owner))
	t.loops.Go(func() { l.lead(lctx) })
	return t
}
