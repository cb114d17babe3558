package dispatch

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// personalConcurrency bounds the requests one personalized batch has in
// flight when its provider takes one recipient per request. With the
// default four workers that is 32 requests, the connections a provider
// client keeps idle per host: more would open and close a connection per
// request.
const personalConcurrency = 8

// partResult is the answer to one part. final is set on a part whose
// outcome is unknown and that must not be sent again (personal_journal.go).
type partResult struct {
	res   providers.Result
	err   error
	final bool
}

// personalStore is what personalized batches read of the store.
type personalStore interface {
	// RecipientDevices loads the devices a batch's recipients name.
	RecipientDevices(ctx context.Context, providerID int64, byAlias bool, keys []string) ([]models.RecipientDevice, error)
	journalStore
}

// processPersonal renders and sends one leased batch of a personalized
// campaign, then records one outcome per recipient (or schedules the
// whole batch again, with the same sub-request ids).
func (s *sender) processPersonal(ctx context.Context, log *slog.Logger, j job, target providers.Target, info campaignInfo, acct models.ProviderAccount, cl *client) {
	b := j.b
	caps := cl.p.Capabilities()
	release := func(what string, err error) {
		if ctx.Err() == nil {
			log.Error(what, slog.Any("error", err))
			if err := s.store.ReleaseBatch(context.WithoutCancel(ctx), b); err != nil {
				log.Error("release batch", slog.Any("error", err))
			}
		}
	}
	devs, err := s.store.RecipientDevices(ctx, acct.ID, target.Kind == providers.AudienceAlias, b.Recipients)
	if err != nil {
		release("load the batch's devices", err)
		return
	}
	limit := max(1, caps.Audiences[target.Kind])
	pl := planPersonal(b, info.tmpl, recipientVars(devs), renderedCheck(providers.Kind(acct.Kind), caps, info.opts), limit)
	// Parts an earlier attempt got an answer for are not sent again: a
	// retry repeats only what is still in doubt. This process remembers
	// them; without request ids the store does too, across a restart.
	done := s.partsDone(b.ID)
	journal := caps.Idempotency != providers.IdempotencyRequestID
	var jr *partJournal
	if journal {
		jr, err = s.openJournal(ctx, log, b, append(append([]part{}, pl.groups...), pl.singles...), done, caps, info, cl.p)
		if err != nil {
			release("read the batch's journal", err)
			return
		}
		cl = journaledClient(cl, jr)
		defer jr.wait() // nothing of this attempt is written after it ends
	}
	todo := pl
	todo.groups, todo.singles = unanswered(pl.groups, done), unanswered(pl.singles, done)
	results := s.sendParts(ctx, j, target.Kind, todo, acct, cl, caps, info)
	if ctx.Err() != nil {
		return // the lease expires; the batch is sent again with the same ids
	}
	all := append(append([]part{}, todo.groups...), todo.singles...)
	for i, p := range all {
		if r, ok := results[i]; ok {
			done[p.id] = r
		}
	}
	if jr != nil {
		jr.wait() // the parts' answers are in before the batch's outcome
	}
	s.settlePersonal(ctx, log, b, pl, done, caps, journal)
}

// maxPartMemos bounds the batches whose answered parts are remembered
// between attempts; a batch forgotten is sent whole again, with the same
// ids.
const maxPartMemos = 4096

// partsDone returns the answers of a batch's parts from its earlier
// attempts in this process (by part id).
func (s *sender) partsDone(batchID int64) map[string]partResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parts == nil {
		s.parts = map[int64]map[string]partResult{}
	}
	m, ok := s.parts[batchID]
	if !ok {
		if len(s.parts) >= maxPartMemos {
			clear(s.parts)
		}
		m = map[string]partResult{}
		s.parts[batchID] = m
	}
	return m
}

// forgetParts drops a settled batch's memo.
func (s *sender) forgetParts(batchID int64) {
	s.mu.Lock()
	delete(s.parts, batchID)
	s.mu.Unlock()
}

// unanswered keeps the parts without a successful answer, but for those
// that must not be sent again.
func unanswered(ps []part, done map[string]partResult) []part {
	out := ps[:0:0]
	for _, p := range ps {
		if r, ok := done[p.id]; !ok || (r.err != nil && !r.final) {
			out = append(out, p)
		}
	}
	return out
}

// sendParts sends the list requests, then the single pushes: through the
// provider's many-singles call where it has one, else one request each,
// a bounded number at a time. Every request past the batch's first waits
// for the account's rate.
func (s *sender) sendParts(ctx context.Context, j job, kind providers.AudienceKind, pl personalPlan, acct models.ProviderAccount, cl *client, caps providers.Capabilities, info campaignInfo) map[int]partResult {
	parts := append(append([]part{}, pl.groups...), pl.singles...)
	out := make(map[int]partResult, len(parts))
	var mu sync.Mutex
	first := true
	pace := func() bool {
		mu.Lock()
		f := first
		first = false
		mu.Unlock()
		return f || cl.limit.Wait(ctx) == nil
	}
	request := func(p part) providers.SendRequest {
		vals := make([]string, len(p.members))
		for i, m := range p.members {
			vals[i] = j.b.Recipients[m]
		}
		return providers.SendRequest{RequestID: p.id, Message: *p.msg, Target: providers.Target{Kind: kind, Values: vals},
			DedupeWindow: s.dedupeWindow(caps, info)}
	}
	observe := func(err error) {
		cl.rate.observe(j.booked, err, time.Now())
	}
	each, ok := cl.p.(providers.EachSender)
	sequential := len(pl.groups)
	if ok && each.EachLimit() > 0 {
		for lo := 0; lo < len(pl.singles); lo += each.EachLimit() {
			chunk := pl.singles[lo:min(lo+each.EachLimit(), len(pl.singles))]
			if !pace() {
				return out
			}
			reqs := make([]providers.SendRequest, len(chunk))
			for i, p := range chunk {
				reqs[i] = request(p)
			}
			start := time.Now()
			res, err := each.SendEach(ctx, reqs)
			s.metrics.observeCall(acct.Kind, time.Since(start), err)
			observe(err)
			for i := range chunk {
				r := partResult{err: err}
				if err == nil && i < len(res) {
					r.res = res[i]
				}
				out[len(pl.groups)+lo+i] = r
			}
		}
	} else {
		sequential = len(parts)
	}
	// A few senders take the requests in order, rather than a goroutine
	// each: a request's goroutine grows its stack through the HTTP client
	// every time, a sender only once per batch.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(personalConcurrency, sequential) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= sequential || !pace() {
					return
				}
				start := time.Now()
				res, err := cl.p.Send(ctx, request(parts[i]))
				s.metrics.observeCall(acct.Kind, time.Since(start), err)
				observe(err)
				mu.Lock()
				out[i] = partResult{res: res, err: err}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	s.recordHealth(ctx, acct.ID, firstErr(out))
	return out
}

func firstErr(out map[int]partResult) error {
	for _, r := range out {
		if r.err != nil {
			return r.err
		}
	}
	return nil
}

// settlePersonal merges the parts' answers into one outcome per
// recipient. A part that failed in a way worth another attempt sends the
// whole batch again when the provider drops the parts it already took
// (request ids, or its de-duplication window) or none was taken;
// otherwise its recipients end failed with the provider's answer.
func (s *sender) settlePersonal(ctx context.Context, log *slog.Logger, b models.Batch, pl personalPlan, results map[string]partResult, caps providers.Capabilities, journaled bool) {
	parts := append(append([]part{}, pl.groups...), pl.singles...)
	out := models.BatchResult{Outcomes: pl.failed, Journaled: journaled}
	var retryErr *providers.Error
	anyOK := false
	for _, p := range parts {
		r, sent := results[p.id]
		if !sent {
			return // shutting down mid-batch: the lease expires, the ids repeat
		}
		if r.err == nil {
			anyOK = true
			if out.TaskID == "" {
				out.TaskID = r.res.TaskID
			}
			if r.res.TaskID != "" {
				out.TaskIDs = append(out.TaskIDs, r.res.TaskID)
			}
			for _, o := range r.res.Outcomes {
				out.Outcomes = append(out.Outcomes, models.Outcome{Recipient: o.Recipient, Status: string(o.Status), Code: o.Code, Message: o.Message})
			}
			continue
		}
		pe := providers.AsError(r.err)
		st := models.DeliveryFailed
		if pe.Class != providers.Permanent {
			if retryErr == nil || retryErr.NotDelivered {
				retryErr = pe // the one that proves least decides
			}
		} else if pe.AllRecipientsInvalid {
			st = models.DeliveryInvalid
		}
		for _, m := range p.members {
			out.Outcomes = append(out.Outcomes, models.Outcome{Recipient: b.Recipients[m], Status: st, Code: pe.Code, Message: pe.Msg})
		}
	}
	if retryErr != nil && b.Attempts < s.cfg.MaxAttempts && (caps.Idempotency != providers.IdempotencyNone || !anyOK) {
		s.failed(ctx, log, b, retryErr)
		return
	}
	if len(out.TaskIDs) < 2 {
		out.TaskIDs = nil // the batch's own task id is its only one
	}
	s.forgetParts(b.ID)
	s.finish(ctx, log, b, out)
}
