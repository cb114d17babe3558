package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// worker sends the batches the feeder leased until the feed closes or ctx
// ends. Outcomes go to the recorder, which commits them in groups.
func (s *sender) worker(ctx context.Context, n int, feed <-chan job) {
	log := s.log.With(slog.Int("worker", n))
	for j := range feed {
		if ctx.Err() != nil {
			return // the rest stay leased until they expire or this engine restarts
		}
		s.process(ctx, log, j)
	}
}

// process sends one leased batch and records its outcome. When ctx ends
// mid-call the batch is left to its lease and claimed again later with the
// same request id. The batch leaves no earlier than the send time its
// pacers booked at the claim.
func (s *sender) process(ctx context.Context, log *slog.Logger, j job) {
	b := j.b
	leaseEnd := time.Now().Add(s.cfg.Lease)
	if b.LeaseExpiresAt != nil {
		leaseEnd = *b.LeaseExpiresAt
	}
	log = log.With(slog.Int64("campaign", b.CampaignID), slog.Int("batch", b.Seq), slog.String("request_id", b.RequestID))
	var target providers.Target
	if err := json.Unmarshal(b.Target, &target); err != nil {
		s.finish(ctx, log, b, models.BatchResult{Final: models.DeliveryFailed, Code: "bad_batch", Message: err.Error()})
		return
	}
	if target.Kind.IsList() {
		target.Values = b.Recipients
	}
	info, err := s.sendInfo(ctx, b.CampaignID)
	if err != nil {
		log.Error("load campaign", slog.Any("error", err))
		s.finish(ctx, log, b, models.BatchResult{Final: models.DeliveryFailed, Code: "bad_campaign", Message: err.Error()})
		return
	}
	info = info.forVariant(b.Variant)
	acct, err := s.account(ctx, info.providerID)
	if err != nil {
		log.Error("load provider account", slog.Any("error", err))
		return
	}
	cl, err := s.clients.entry(ctx, acct)
	if err != nil {
		s.finish(ctx, log, b, models.BatchResult{Final: models.DeliveryFailed, Code: "provider_config", Message: err.Error()})
		return
	}
	// Or in the feed: a batch of a campaign that stopped sending goes back
	// before it waits for any pacer.
	if !s.stillSending(ctx, log, b) {
		return
	}
	if !waitUntil(ctx, j.at) {
		return // shutting down: the lease expires and the batch is claimed again
	}
	if time.Until(leaseEnd) < s.cfg.Lease/2 {
		// Queueing or pacing took a while: renew the lease before the call
		// so no other worker takes the batch while it is in flight.
		if err := s.store.ExtendLease(ctx, b, s.cfg.Lease); err != nil {
			log.Warn("batch lease lost while pacing", slog.Any("error", err))
			return
		}
	}
	// The batch may have waited for the pacers while its campaign was
	// paused, cancelled or stopped by its error threshold.
	if !s.stillSending(ctx, log, b) {
		return
	}
	if info.tmpl != nil && target.Kind.IsList() {
		// Judged part by part, from the parts' own record: a batch
		// interrupted mid-way sends only what never left.
		s.processPersonal(ctx, log, j, target, info, acct, cl)
		return
	}
	caps := cl.p.Capabilities()
	if end, unsafe := s.unsafeResend(b, caps, info); unsafe {
		log.Warn("batch not sent again: it could be delivered twice", slog.String("code", end.Code))
		s.finish(ctx, log, b, end)
		return
	}
	if !s.withKey(ctx, log, cl.p, &b) {
		return
	}
	start := time.Now()
	res, err := cl.p.Send(ctx, providers.SendRequest{RequestID: b.RequestID, Message: info.msg, Target: target,
		DedupeWindow: s.dedupeWindow(caps, info), Key: b.ProviderKey})
	s.metrics.observeCall(string(acct.Kind), time.Since(start), err)
	if ctx.Err() != nil {
		return
	}
	cl.rate.observe(j.booked, err, time.Now())
	s.recordHealth(ctx, acct.ID, err)
	if err != nil {
		s.failed(ctx, log, b, err)
		return
	}
	out := models.BatchResult{TaskID: res.TaskID}
	for _, o := range res.Outcomes {
		out.Outcomes = append(out.Outcomes, models.Outcome{Recipient: o.Recipient, Status: string(o.Status), Code: o.Code, Message: o.Message})
	}
	s.finish(ctx, log, b, out)
}

// stillSending reports whether the batch's campaign is still sending (read
// from the read pool); otherwise it gives the leased batch back unsent
// rather than push past the operator's decision or the error threshold.
func (s *sender) stillSending(ctx context.Context, log *slog.Logger, b models.Batch) bool {
	st, err := s.store.CampaignStatus(ctx, b.CampaignID)
	if err == nil && st == models.StatusSending {
		return true
	}
	if err != nil && ctx.Err() == nil {
		log.Error("campaign status", slog.Any("error", err))
	}
	if err := s.store.ReleaseBatch(context.WithoutCancel(ctx), b); err != nil {
		log.Error("release batch", slog.Any("error", err))
	}
	return false
}

// failed decides between another attempt (same request id, backoff with
// jitter, the provider's wait honoured) and ending the batch.
func (s *sender) failed(ctx context.Context, log *slog.Logger, b models.Batch, err error) {
	pe := providers.AsError(err)
	if pe.Class == providers.Permanent || b.Attempts >= s.cfg.MaxAttempts {
		final := models.DeliveryFailed
		if pe.AllRecipientsInvalid {
			final = models.DeliveryInvalid
		}
		log.Warn("batch failed", slog.String("class", pe.Class.String()), slog.String("code", pe.Code), slog.Int("attempts", b.Attempts))
		s.finish(ctx, log, b, models.BatchResult{Final: final, Code: pe.Code, Message: pe.Msg})
		return
	}
	wait := s.backoff(b.Attempts)
	if pe.RetryAfter > wait {
		wait = min(pe.RetryAfter, s.cfg.MaxWait)
	}
	if pe.Class == providers.Reauth && b.Attempts == 1 {
		wait = 0 // the client dropped its token: one immediate retry
	}
	if end, unsafe := s.unsafeRetry(ctx, b, pe, s.store.Now().Add(wait)); unsafe {
		log.Warn("batch not retried: it could be delivered twice", slog.String("code", pe.Code), slog.Int("attempts", b.Attempts))
		s.finish(ctx, log, b, end)
		return
	}
	s.metrics.retried()
	log.Info("batch retry", slog.String("class", pe.Class.String()), slog.String("code", pe.Code), slog.Duration("wait", wait), slog.Int("attempts", b.Attempts))
	if err := s.store.RetryBatch(ctx, b, s.store.Now().Add(wait), pe.Code, pe.Msg); err != nil && !errors.Is(err, models.ErrConflict) {
		log.Error("release batch", slog.Any("error", err))
	}
}

// backoff is exponential from BackoffBase, capped at BackoffMax, with full
// jitter over its upper half.
func (s *sender) backoff(attempts int) time.Duration {
	d := s.cfg.BackoffBase << min(attempts-1, 20)
	if d > s.cfg.BackoffMax || d <= 0 {
		d = s.cfg.BackoffMax
	}
	return d/2 + rand.N(d/2+1)
}
