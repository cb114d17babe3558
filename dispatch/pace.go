package dispatch

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"time"

	"golang.org/x/time/rate"

	"github.com/pushdeck/pushdeck/models"
)

// Pacing happens when batches are claimed, not after: a batch is leased
// only once its account's rate and its campaign's speed have booked it a
// send time at most admitAhead away, and the feeder hands it to a worker
// at that time. The batches of an account that is slow, pushed back or out
// of tokens stay unclaimed in the store, holding neither a lease nor a
// worker that another account's batches could use.
const admitAhead = adaptInterval

// job is a leased batch and the send time its pacers booked for it.
type job struct {
	b  models.Batch
	at time.Time
	// booked is when the pacers booked it: the account's rate then is the
	// one its answer tells about.
	booked time.Time
	seq    int // claim order, among jobs booked for the same time
}

// pacer is what a claim consults for one campaign, without the store.
type pacer struct {
	// acct is the account's rate; nil admits unpaced (a campaign or account
	// that cannot be loaded: its batches fail in process, as they must).
	acct  *accountRate
	speed *speedLimit // nil: as fast as the account allows
}

// speedLimit paces one campaign at its messages-per-second option, one
// request at a time: its bucket holds one batch's recipients (the planner
// cuts batches no larger than the speed), so it never sends more than one
// request at once and spreads the requests evenly over each second.
//
// Like an account's rate, the speed is the campaign's across instances:
// each of share live instances paces it at speed/share.
type speedLimit struct {
	speed int
	share int
	l     *rate.Limiter // made by the first batch, whose size is the burst
}

// limiter returns the bucket, large enough for a batch of size.
func (s *speedLimit) limiter(size int, now time.Time) *rate.Limiter {
	if s.l == nil {
		s.l = rate.NewLimiter(rate.Limit(float64(s.speed)/float64(max(1, s.share))), size)
	} else if size > s.l.Burst() {
		s.l.SetBurstAt(now, size) // a batch planned before the speed cut
	}
	return s.l
}

// admission is one claim's bookkeeping: the send times booked for the
// batches it admitted, the campaigns it had no pacer for, and the earliest
// time a refused batch could be admitted.
type admission struct {
	now     time.Time
	pacers  map[int64]pacer
	booked  map[int64]booking // by batch id
	unknown []int64
	retryAt time.Time
}

type booking struct {
	at time.Time
	rs []*rate.Reservation
}

// admit is the claim's models.AdmitFunc.
func (a *admission) admit(campaignID, batchID int64, size int) bool {
	p, ok := a.pacers[campaignID]
	if !ok {
		if !slices.Contains(a.unknown, campaignID) {
			a.unknown = append(a.unknown, campaignID)
		}
		return false
	}
	if p.acct == nil {
		a.booked[batchID] = booking{at: a.now}
		return true
	}
	bk := booking{at: a.now}
	ok = a.reserve(&bk, p.acct.lim, 1)
	if ok && p.speed != nil {
		ok = a.reserve(&bk, p.speed.limiter(max(1, size), a.now), max(1, size))
	}
	if !ok {
		cancelAll(bk.rs, a.now)
		return false
	}
	a.booked[batchID] = bk
	return true
}

// reserve books n tokens of l for bk when they are due within admitAhead.
func (a *admission) reserve(bk *booking, l *rate.Limiter, n int) bool {
	r := l.ReserveN(a.now, n)
	if !r.OK() {
		return false
	}
	bk.rs = append(bk.rs, r)
	d := r.DelayFrom(a.now)
	if d > admitAhead {
		if t := a.now.Add(d - admitAhead); a.retryAt.IsZero() || t.Before(a.retryAt) {
			a.retryAt = t
		}
		return false
	}
	if t := a.now.Add(d); t.After(bk.at) {
		bk.at = t
	}
	return true
}

func cancelAll(rs []*rate.Reservation, now time.Time) {
	for _, r := range slices.Backward(rs) {
		r.CancelAt(now)
	}
}

// settle hands back the tokens of admitted batches the claim did not lease
// (another process took them first) and returns the claimed ones as jobs.
func (a *admission) settle(bs []models.Batch) []job {
	jobs := make([]job, 0, len(bs))
	for _, b := range bs {
		jobs = append(jobs, job{b: b, at: a.booked[b.ID].at, booked: a.now})
		delete(a.booked, b.ID)
	}
	for _, bk := range a.booked {
		cancelAll(bk.rs, a.now)
	}
	return jobs
}

// admission prepares a claim: a pacer for every campaign the engine has
// seen (new ones are learned after the claim that meets them), unpaced for
// those whose campaign or account cannot be loaded.
func (s *sender) admission(ctx context.Context, unpaced map[int64]bool) *admission {
	s.mu.Lock()
	infos := maps.Clone(s.infos)
	s.mu.Unlock()
	a := &admission{now: time.Now(), pacers: make(map[int64]pacer, len(infos)+len(unpaced)), booked: map[int64]booking{}}
	for id := range unpaced {
		a.pacers[id] = pacer{}
	}
	for id, info := range infos {
		acct, err := s.account(ctx, info.providerID)
		if err != nil {
			a.pacers[id] = pacer{}
			continue
		}
		cl, err := s.clients.entry(ctx, acct)
		if err != nil {
			a.pacers[id] = pacer{}
			continue
		}
		a.pacers[id] = pacer{acct: cl.rate, speed: s.speedLimit(id, info.speed)}
	}
	return a
}

// learn loads the campaigns a claim had no pacer for; one that cannot be
// loaded is sent unpaced, so process fails its batches with the reason.
func (s *sender) learn(ctx context.Context, ids []int64, unpaced map[int64]bool) {
	for _, id := range ids {
		if _, err := s.sendInfo(ctx, id); err != nil && ctx.Err() == nil {
			s.log.Warn("campaign not paced", slog.Int64("campaign", id), slog.Any("error", err))
			unpaced[id] = true
		}
	}
}

// speedLimit returns the campaign's speed pacer, or nil for "as fast as
// the account allows".
func (s *sender) speedLimit(id int64, speed int) *speedLimit {
	if speed <= 0 {
		return nil
	}
	share := s.clients.instances()
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, ok := s.speeds[id]
	if !ok || sl.speed != speed || sl.share != share {
		sl = &speedLimit{speed: speed, share: share}
		s.speeds[id] = sl
	}
	return sl
}

// waitUntil sleeps until t or the end of ctx, reporting whether t came.
func waitUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}
