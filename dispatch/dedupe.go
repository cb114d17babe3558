package dispatch

import (
	"context"
	"fmt"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Exactly once without request ids.
//
// A retry after a lost answer (a timeout, a 5xx after the provider did the
// work) is safe when the provider recognises the repeat. With request ids
// it always does. A provider with a de-duplication window drops a repeat
// only when the request asks for it, only when the repeat is the same
// bytes, and only within the window from the first one it took: the
// engine asks for a window that covers its whole retry horizon and ends a
// batch failed, saying why, rather than retry it after the window. A
// provider with neither cannot make a retry safe, so a batch is not
// retried after a failure whose outcome is unknown. The operator can turn
// this off for a campaign (Options.DuplicateCheck); retries may then
// deliver twice.

// Codes a batch ends with when another attempt could deliver it twice.
const (
	CodeDedupeWindow = "dedupe_window"
	CodeNoDedupe     = "no_dedupe"
)

// retryHorizon is the longest a batch's attempts can take from its first
// claim in normal running: every backoff at its cap, plus one lease per
// attempt (a call, the wait in the pacers, or a crashed worker's batch
// waiting for its lease to expire). A provider's longer "retry after"
// stretches it; the window check below catches that.
func (c Config) retryHorizon() time.Duration {
	var d time.Duration
	for a := 1; a < c.MaxAttempts; a++ {
		b := c.BackoffBase << min(a-1, 20)
		if b > c.BackoffMax || b <= 0 {
			b = c.BackoffMax
		}
		d += b
	}
	return d + time.Duration(c.MaxAttempts)*c.Lease
}

// dedupeWindow is the de-duplication window a campaign's requests ask
// for: the retry horizon rounded up to whole minutes, at most the
// provider's longest; zero when the provider needs none (request ids) or
// offers none, or the operator turned the check off. It depends only on
// the engine's configuration and the provider, so every retry of a batch
// asks for the same window and stays the same request.
func (s *sender) dedupeWindow(caps providers.Capabilities, info campaignInfo) time.Duration {
	if !info.dedupe || caps.Idempotency != providers.IdempotencyDedupeWindow || caps.DedupeWindow <= 0 {
		return 0
	}
	w := (s.cfg.retryHorizon() + time.Minute - 1).Truncate(time.Minute)
	return min(w, caps.DedupeWindow)
}

// unsafeAttempt reports whether sending the batch again at `at` could
// deliver it twice, and if so the result to end it with instead;
// lastCode and lastMsg are the provider's answer to the attempt before.
func (s *sender) unsafeAttempt(b models.Batch, caps providers.Capabilities, info campaignInfo, at time.Time, lastCode, lastMsg string) (models.BatchResult, bool) {
	if !info.dedupe {
		return models.BatchResult{}, false // the operator accepted duplicates
	}
	var code, why string
	switch caps.Idempotency {
	case providers.IdempotencyRequestID:
		return models.BatchResult{}, false
	case providers.IdempotencyDedupeWindow:
		w := s.dedupeWindow(caps, info)
		// The attempt itself may take up to a lease to reach the provider.
		if b.FirstAttemptAt == nil || at.Add(s.cfg.Lease).Before(b.FirstAttemptAt.Add(w)) {
			return models.BatchResult{}, false
		}
		code = CodeDedupeWindow
		why = fmt.Sprintf("not retried: the provider drops a repeated request only within %s of the first attempt, which a retry would pass", w)
	default:
		code = CodeNoDedupe
		why = "not retried: the provider cannot recognise a repeated request"
	}
	msg := why + "; an earlier attempt may have been delivered"
	if lastCode != "" {
		msg += fmt.Sprintf(" (last answer %s: %s)", lastCode, lastMsg)
	}
	return models.BatchResult{Final: models.DeliveryFailed, Code: code, Message: msg}, true
}

// unsafeResend is the check before a batch's request goes out again (a
// retry, or a batch whose earlier lease ended without an outcome: a crash
// or a call that outlived its lease). Time has passed since the retry was
// scheduled (a pause, a restart), so the window is checked again. Without
// any de-duplication a scheduled retry was already judged safe when it was
// scheduled; a batch with no answer recorded was not.
func (s *sender) unsafeResend(b models.Batch, caps providers.Capabilities, info campaignInfo) (models.BatchResult, bool) {
	if b.Attempts <= 1 || (caps.Idempotency == providers.IdempotencyNone && b.LastCode != "") {
		return models.BatchResult{}, false
	}
	code, msg := b.LastCode, b.LastError
	if code == "" {
		code, msg = "no_answer", "an earlier attempt ended without an answer"
	}
	return s.unsafeAttempt(b, caps, info, s.store.Now(), code, msg)
}

// unsafeRetry is the check before a failed batch is scheduled again at
// `at`.
func (s *sender) unsafeRetry(ctx context.Context, b models.Batch, pe *providers.Error, at time.Time) (models.BatchResult, bool) {
	if provenUnsent(b, pe) {
		return models.BatchResult{}, false
	}
	info, err := s.sendInfo(ctx, b.CampaignID)
	if err != nil {
		return models.BatchResult{}, false // the next attempt fails on it and says so
	}
	acct, err := s.account(ctx, info.providerID)
	if err != nil {
		return models.BatchResult{}, false
	}
	cl, err := s.clients.entry(ctx, acct)
	if err != nil {
		return models.BatchResult{}, false
	}
	return s.unsafeAttempt(b, cl.p.Capabilities(), info, at, pe.Code, pe.Msg)
}

// provenUnsent reports whether the failed attempt proves that nothing of
// the batch was delivered, so another attempt cannot deliver twice
// whatever the provider's idempotency: the provider says so
// (Error.NotDelivered: it refused every recipient before taking the
// message), or a refused token on the first attempt (nothing was sent).
// Earlier attempts need no look: one whose outcome was unknown would
// already have ended the batch.
func provenUnsent(b models.Batch, pe *providers.Error) bool {
	return pe.NotDelivered || (pe.Class == providers.Reauth && b.Attempts == 1)
}
