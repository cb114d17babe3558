package dispatch

import (
	"container/heap"
	"context"
	"log/slog"
	"time"
)

// feedClaim is how many batches the feeder leases in one statement, and
// feedQueue how many leased batches wait for a worker at most. Measured on
// 1,000,000 recipients: 8 and 8 sent 320–330k/s, 32 and 16 408–448k/s, 64
// and 32 no faster; larger values only lengthen the tail of batches a
// pause cannot stop.
const (
	feedClaim = 32
	feedQueue = 16
)

// feeder leases due batches ahead of the workers and hands each to the
// feed (closed when ctx ends) when the send time its pacers booked comes.
// One goroutine claims for all workers, feedClaim batches at a time: when
// every worker claimed for itself, each claim waited for the single SQLite
// writer behind the recorder's and the planner's transactions, and the
// workers spent most of a run in that queue (measured: 9.3 s of 4 workers'
// time blocked on the write lock during a 3.5 s send of 1,000,000
// recipients; with the feeder the same send takes 2.2–2.9 s).
//
// Booked batches wait here, not in a worker: a worker holding a batch due
// later would be a worker another account's due batch cannot use. At most
// feedClaim booked batches plus cap(feed) due ones are leased and not yet
// sent; when their campaign stops sending (pause, cancel, the error
// threshold) the worker that takes one gives it back unsent (see
// stillSending).
func (s *sender) feeder(ctx context.Context, feed chan<- job) {
	defer close(feed)
	f := &feedState{unpaced: map[int64]bool{}}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		f.release(feed)
		now := time.Now()
		// Claims are worth their write lock when they can take many
		// batches: the feeder waits for half its room before claiming again.
		if len(f.booked) <= feedClaim/2 && !now.Before(f.claimAt) {
			f.claimAt = s.claim(ctx, f, now)
			continue
		}
		var out chan<- job
		var head job
		next := f.claimAt
		if len(f.booked) >= feedClaim {
			next = time.Time{} // full: only a release makes room
		}
		if len(f.booked) > 0 {
			head = f.booked[0]
			if !head.at.After(now) {
				out = feed
			} else if next.IsZero() || head.at.Before(next) {
				next = head.at
			}
		}
		if out == nil && next.IsZero() {
			next = now.Add(s.cfg.Idle)
		}
		if out == nil {
			timer.Reset(max(time.Millisecond, time.Until(next)))
		}
		select {
		case out <- head:
			heap.Pop(&f.booked)
		case <-timer.C:
		case <-s.wake:
			f.claimAt = time.Time{}
		case <-ctx.Done():
			return
		}
	}
}

// feedState is the feeder's own: batches booked and not yet due, the
// campaigns sent unpaced, and when to claim next.
type feedState struct {
	booked  jobHeap
	seq     int
	unpaced map[int64]bool
	claimAt time.Time
}

// release hands every due booked job to the feed while it has room.
func (f *feedState) release(feed chan<- job) {
	now := time.Now()
	for len(f.booked) > 0 && !f.booked[0].at.After(now) {
		select {
		case feed <- f.booked[0]:
			heap.Pop(&f.booked)
		default:
			return
		}
	}
}

// claim leases what the pacers admit and books it; it returns when to
// claim again: at once after a claim that took batches (more may be due)
// or met new campaigns, else when a refused batch's turn comes or after
// the Idle interval.
func (s *sender) claim(ctx context.Context, f *feedState, now time.Time) time.Time {
	adm := s.admission(ctx, f.unpaced)
	bs, err := s.store.ClaimAdmitted(ctx, s.cfg.Owner, s.cfg.Lease, s.lastCampaign.Load(), feedClaim-len(f.booked), adm.admit)
	jobs := adm.settle(bs)
	if len(adm.unknown) > 0 {
		s.learn(ctx, adm.unknown, f.unpaced)
	}
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("claim batches", slog.Any("error", err))
		}
		return now.Add(s.cfg.Idle)
	}
	for _, j := range jobs {
		f.seq++
		j.seq = f.seq
		heap.Push(&f.booked, j)
	}
	if len(bs) > 0 {
		s.lastCampaign.Store(bs[len(bs)-1].CampaignID)
	}
	if len(jobs) > 0 || len(adm.unknown) > 0 {
		return now
	}
	next := now.Add(s.cfg.Idle)
	if !adm.retryAt.IsZero() && adm.retryAt.Before(next) {
		next = adm.retryAt
	}
	return next
}

// jobHeap orders booked jobs by send time, then by claim order.
type jobHeap []job

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h jobHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *jobHeap) Push(x any)   { *h = append(*h, x.(job)) }
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	*h = old[:len(old)-1]
	return j
}
