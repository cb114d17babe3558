package dispatch

import (
	"errors"
	"log/slog"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/pushdeck/pushdeck/providers"
)

// The adaptive account rate. An account with no explicit rate starts at
// its provider's safe default and learns how fast the provider lets it go,
// the way TCP finds a path's capacity:
//   - slow start: every adaptInterval (50 ms) in which the account was
//     busy (its clean answers used at least half of the current rate) and
//     nothing pushed back, the rate doubles, so 10 requests/s reach several
//     hundred within half a second of clean traffic (measured: a
//     1,000,000-recipient MX push send learns 640/s in 0.5 s);
//   - a frequency-limit answer (providers.Error.RateLimited) halves the
//     rate and ends slow start: the halved rate becomes the threshold;
//   - after that the rate grows additively, by a fortieth of the threshold
//     (or of the default, when higher) per busy interval: twice the
//     threshold in two seconds, so it probes upwards slowly and settles in
//     a saw-tooth below the provider's limit.
//
// Only answers to requests sent after the last cut, and at least an
// interval after it, can cut again: the requests already in flight at the
// old rate would otherwise halve it once each. An idle or lightly used
// account does not grow, so a rate is never learned that traffic has not
// tried.
const (
	adaptInterval = 50 * time.Millisecond
	// additiveShare is the threshold's share added per busy interval.
	additiveShare = 40
	// fallbackRate is used when a provider declares no default.
	fallbackRate = 10.0
)

// accountRate paces one provider account: a token bucket at the operator's
// rate, or at the learned one.
type accountRate struct {
	lim      *rate.Limiter
	adaptive bool
	floor    float64
	ceil     float64
	start    float64 // the provider's default
	log      *slog.Logger

	mu  sync.Mutex
	cur float64
	// share is how many instances pace this account together; each takes
	// cur/share (instance.go).
	share     int
	threshold float64 // 0 while in slow start
	window    time.Time
	clean     int
	lastCut   time.Time
}

// newAccountRate paces at explicit requests/s, or adaptively from def when
// explicit is 0.
func newAccountRate(explicit, def, ceil float64, now time.Time, log *slog.Logger) *accountRate {
	if def <= 0 {
		def = fallbackRate
	}
	if log == nil {
		log = slog.Default()
	}
	r := &accountRate{adaptive: explicit <= 0, floor: math.Min(1, def), ceil: ceil, window: now, start: def, log: log, share: 1}
	r.cur = def
	if !r.adaptive {
		r.cur = explicit
	}
	r.lim = rate.NewLimiter(rate.Limit(r.local()), burstFor(r.local()))
	return r
}

// burstFor lets a limiter keep a quarter second of unused requests: a
// claim that comes late (the feeder waited for the database writer) still
// finds the requests it missed, so a busy engine does not send below the
// account's rate, and the account never sends much more than its rate.
func burstFor(rps float64) int {
	return max(1, int(rps*burstWindow.Seconds()))
}

// burstWindow is how much of its rate an account may have saved up.
const burstWindow = 250 * time.Millisecond

// Rate is the account's current request rate and whether it is learned.
func (r *accountRate) Rate() (rps float64, adaptive bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur, r.adaptive
}

// observe learns from one answer: err is the Send error (nil for a clean
// answer), sentAt when the request was paced (booked at the rate of then).
func (r *accountRate) observe(sentAt time.Time, err error, now time.Time) {
	if !r.adaptive {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var pe *providers.Error
	switch {
	case err == nil && sentAt.Before(r.lastCut):
		return // says nothing about the rate since the cut
	case err == nil:
		r.clean++
	case errors.As(err, &pe) && pe.RateLimited:
		if sentAt.Before(r.lastCut) || now.Sub(r.lastCut) < adaptInterval {
			return // paced at the rate already cut, or the cut has not had time to show
		}
		r.set(math.Max(r.floor, r.cur/2), now)
		r.threshold, r.lastCut = r.cur, now
		r.window, r.clean = now, 0
		r.log.Info("provider pushed back: account rate halved", slog.Float64("requests_per_second", r.cur), slog.String("code", pe.Code))
		return
	}
	elapsed := now.Sub(r.window)
	if elapsed < adaptInterval {
		return
	}
	busy := float64(r.clean) >= r.local()*elapsed.Seconds()/2
	r.window, r.clean = now, 0
	if !busy {
		return
	}
	next := r.cur * 2
	if r.threshold > 0 {
		next = r.cur + max(r.threshold, r.start)/additiveShare
	}
	r.set(math.Min(next, r.ceil), now)
	r.log.Debug("account rate raised", slog.Float64("requests_per_second", r.cur), slog.Bool("slow_start", r.threshold == 0))
}

// set changes the rate (r.mu held).
func (r *accountRate) set(rps float64, now time.Time) {
	if rps == r.cur {
		return
	}
	r.cur = rps
	r.apply(now)
}

// local is this instance's part of the account rate (r.mu held).
func (r *accountRate) local() float64 { return r.cur / float64(max(1, r.share)) }

// apply sets the bucket to this instance's part of the rate (r.mu held).
func (r *accountRate) apply(now time.Time) {
	l := r.local()
	r.lim.SetLimitAt(now, rate.Limit(l))
	r.lim.SetBurstAt(now, burstFor(l))
}

// setShare makes this instance pace the account at 1/n of its rate: the
// operator's rate, or the learned one, is the account's, whatever the
// number of instances sending with it.
//
// Why a fair share and not a shared token bucket in the database: a bucket
// row would be a write on the one hot row per request, across instances
// and under every claim, which is exactly the write the engine's claims
// and group commits are shaped to avoid; a share needs no write on the hot
// path, only the heartbeat count. Its cost is that an instance with no
// work for the account leaves its share unused while another is busy,
// and after an instance dies the others keep their smaller share until
// its heartbeat expires (one instance lease). A learned rate stays
// sensible: every instance keeps its own estimate of the account's rate,
// halves it when the provider pushes back at it and grows it additively,
// so together they settle below the provider's limit as one would.
func (r *accountRate) setShare(n int, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n = max(1, n); n == r.share {
		return
	}
	r.share = n
	r.apply(now)
}
