package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// worker sends the batches the feeder leased until the feed closes or ctx
// ends. Outcomes go to the recorder, which commits them in groups.
func (e *Engine) worker(ctx context.Context, n int, feed <-chan job) {
	log := e.log.With(slog.Int("worker", n))
	for j := range feed {
		if ctx.Err() != nil {
			return // the rest stay leased until they expire or this engine restarts
		}
		e.process(ctx, log, j)
	}
}

// process sends one leased batch and records its outcome. When ctx ends
// mid-call the batch is left to its lease and claimed again later with the
// same request id. The batch leaves no earlier than the send time its
// pacers booked at the claim.
func (e *Engine) process(ctx context.Context, log *slog.Logger, j job) {
	b := j.b
	leaseEnd := time.Now().Add(e.cfg.Lease)
	if b.LeaseExpiresAt != nil {
		leaseEnd = *b.LeaseExpiresAt
	}
	log = log.With(slog.Int64("campaign", b.CampaignID), slog.Int("batch", b.Seq), slog.String("request_id", b.RequestID))
	var target providers.Target
	if err := json.Unmarshal(b.Target, &target); err != nil {
		e.finish(ctx, log, b, models.BatchResult{Final: models.DeliveryFailed, Code: "bad_batch", Message: err.Error()})
		return
	}
	if target.Kind.IsList() {
		target.Values = b.Recipients
	}
	info, err := e.sendInfo(ctx, b.CampaignID)
	if err != nil {
		log.Error("load campaign", slog.Any("error", err))
		e.finish(ctx, log, b, models.BatchResult{Final: models.DeliveryFailed, Code: "bad_campaign", Message: err.Error()})
		return
	}
	acct, err := e.account(ctx, info.providerID)
	if err != nil {
		log.Error("load provider account", slog.Any("error", err))
		return
	}
	cl, err := e.clients.entry(ctx, acct)
	if err != nil {
		e.finish(ctx, log, b, models.BatchResult{Final: models.DeliveryFailed, Code: "provider_config", Message: err.Error()})
		return
	}
	// Or in the feed: a batch of a campaign that stopped sending goes back
	// before it waits for any pacer.
	if !e.stillSending(ctx, log, b) {
		return
	}
	if !waitUntil(ctx, j.at) {
		return // shutting down: the lease expires and the batch is claimed again
	}
	if time.Until(leaseEnd) < e.cfg.Lease/2 {
		// Queueing or pacing took a while: renew the lease before the call
		// so no other worker takes the batch while it is in flight.
		if err := e.store.ExtendLease(ctx, b, e.cfg.Lease); err != nil {
			log.Warn("batch lease lost while pacing", slog.Any("error", err))
			return
		}
	}
	// The batch may have waited for the pacers while its campaign was
	// paused, cancelled or stopped by its error threshold.
	if !e.stillSending(ctx, log, b) {
		return
	}
	caps := cl.p.Capabilities()
	if end, unsafe := e.unsafeResend(b, caps, info); unsafe {
		log.Warn("batch not sent again: it could be delivered twice", slog.String("code", end.Code))
		e.finish(ctx, log, b, end)
		return
	}
	start := time.Now()
	res, err := cl.p.Send(ctx, providers.SendRequest{RequestID: b.RequestID, Message: info.msg, Target: target, DedupeWindow: e.dedupeWindow(caps, info)})
	e.metrics.observeCall(string(acct.Kind), time.Since(start), err)
	if ctx.Err() != nil {
		return
	}
	cl.rate.observe(j.booked, err, time.Now())
	e.recordHealth(ctx, acct.ID, err)
	if err != nil {
		e.failed(ctx, log, b, err)
		return
	}
	out := models.BatchResult{TaskID: res.TaskID}
	for _, o := range res.Outcomes {
		out.Outcomes = append(out.Outcomes, models.Outcome{Recipient: o.Recipient, Status: string(o.Status), Code: o.Code, Message: o.Message})
	}
	e.finish(ctx, log, b, out)
}

// stillSending reports whether the batch's campaign is still sending (read
// from the read pool); otherwise it gives the leased batch back unsent
// rather than push past the operator's decision or the error threshold.
func (e *Engine) stillSending(ctx context.Context, log *slog.Logger, b models.Batch) bool {
	st, err := e.store.CampaignStatus(ctx, b.CampaignID)
	if err == nil && st == models.StatusSending {
		return true
	}
	if err != nil && ctx.Err() == nil {
		log.Error("campaign status", slog.Any("error", err))
	}
	if err := e.store.ReleaseBatch(context.WithoutCancel(ctx), b); err != nil {
		log.Error("release batch", slog.Any("error", err))
	}
	return false
}

// accountTTL is how long a worker trusts its copy of an account; an edit
// (new credentials, rate) takes effect within it.
const accountTTL = 5 * time.Second

type cachedAccount struct {
	acct models.ProviderAccount
	at   time.Time
}

// account returns a provider account, read from the store at most once per
// accountTTL: workers would otherwise read it for every batch.
func (e *Engine) account(ctx context.Context, id int64) (models.ProviderAccount, error) {
	e.mu.Lock()
	ca, ok := e.accounts[id]
	e.mu.Unlock()
	if ok && time.Since(ca.at) < accountTTL {
		return ca.acct, nil
	}
	a, err := e.store.ProviderAccountByID(ctx, id)
	if err != nil {
		return a, err
	}
	e.mu.Lock()
	e.accounts[id] = cachedAccount{acct: a, at: time.Now()}
	e.mu.Unlock()
	return a, nil
}

// campaignInfo is what a worker needs of a campaign, decoded once.
type campaignInfo struct {
	providerID int64
	msg        providers.Message
	speed      int
	threshold  float64
	// dedupe: ask a provider without request ids to drop repeats, and
	// retry only while it does (dedupe.go).
	dedupe bool
}

// sendInfo returns the campaign's message and options, cached per campaign
// (they cannot change once it has left draft).
func (e *Engine) sendInfo(ctx context.Context, id int64) (campaignInfo, error) {
	e.mu.Lock()
	info, ok := e.infos[id]
	e.mu.Unlock()
	if ok {
		return info, nil
	}
	c, err := e.store.CampaignByID(ctx, id)
	if err != nil {
		return info, err
	}
	d, err := DraftOf(c)
	if err != nil {
		return info, err
	}
	info = campaignInfo{providerID: c.ProviderID, msg: e.messageFor(d), speed: d.Options.Speed, threshold: d.Options.errorThreshold(), dedupe: d.Options.DuplicateCheckOn()}
	e.mu.Lock()
	e.infos[id] = info
	e.mu.Unlock()
	return info, nil
}

// failed decides between another attempt (same request id, backoff with
// jitter, the provider's wait honoured) and ending the batch.
func (e *Engine) failed(ctx context.Context, log *slog.Logger, b models.Batch, err error) {
	pe := providers.AsError(err)
	if pe.Class == providers.Permanent || b.Attempts >= e.cfg.MaxAttempts {
		final := models.DeliveryFailed
		if pe.AllRecipientsInvalid {
			final = models.DeliveryInvalid
		}
		log.Warn("batch failed", slog.String("class", pe.Class.String()), slog.String("code", pe.Code), slog.Int("attempts", b.Attempts))
		e.finish(ctx, log, b, models.BatchResult{Final: final, Code: pe.Code, Message: pe.Msg})
		return
	}
	wait := e.backoff(b.Attempts)
	if pe.RetryAfter > wait {
		wait = min(pe.RetryAfter, e.cfg.MaxWait)
	}
	if pe.Class == providers.Reauth && b.Attempts == 1 {
		wait = 0 // the client dropped its token: one immediate retry
	}
	if end, unsafe := e.unsafeRetry(ctx, b, pe, e.store.Now().Add(wait)); unsafe {
		log.Warn("batch not retried: it could be delivered twice", slog.String("code", pe.Code), slog.Int("attempts", b.Attempts))
		e.finish(ctx, log, b, end)
		return
	}
	e.metrics.retries.Add(1)
	log.Info("batch retry", slog.String("class", pe.Class.String()), slog.String("code", pe.Code), slog.Duration("wait", wait), slog.Int("attempts", b.Attempts))
	if err := e.store.RetryBatch(ctx, b, e.store.Now().Add(wait), pe.Code, pe.Msg); err != nil && !errors.Is(err, models.ErrConflict) {
		log.Error("release batch", slog.Any("error", err))
	}
}

// backoff is exponential from BackoffBase, capped at BackoffMax, with full
// jitter over its upper half.
func (e *Engine) backoff(attempts int) time.Duration {
	d := e.cfg.BackoffBase << min(attempts-1, 20)
	if d > e.cfg.BackoffMax || d <= 0 {
		d = e.cfg.BackoffMax
	}
	return d/2 + rand.N(d/2+1)
}

func (e *Engine) finish(ctx context.Context, log *slog.Logger, b models.Batch, res models.BatchResult) {
	select {
	case e.done <- models.Completion{Batch: b, Result: res}:
	case <-ctx.Done():
		// Shutting down before the outcome was queued: the batch stays
		// leased and is sent again (same request id) after a restart.
	}
}

// recorder commits batch outcomes in groups (one transaction for up to
// recordGroup batches) and reacts to what they did to their campaigns.
// After ctx ends it records what is already queued, then returns.
func (e *Engine) recorder(ctx context.Context) {
	const recordGroup = 16
	wctx := context.WithoutCancel(ctx)
	for {
		var group []models.Completion
		select {
		case c := <-e.done:
			group = append(group, c)
		case <-ctx.Done():
			for {
				select {
				case c := <-e.done:
					e.record(wctx, []models.Completion{c})
				default:
					return
				}
			}
		}
	fill:
		for len(group) < recordGroup {
			select {
			case c := <-e.done:
				group = append(group, c)
			default:
				break fill
			}
		}
		e.record(wctx, group)
	}
}

func (e *Engine) record(ctx context.Context, group []models.Completion) {
	cs, lost, err := e.store.CompleteBatches(ctx, group)
	if err != nil {
		e.log.Error("record batch outcomes", slog.Int("batches", len(group)), slog.Any("error", err))
		return // the batches stay leased and are sent again after the lease
	}
	for _, b := range lost {
		e.log.Warn("batch lease lost; another worker owns it", slog.Int64("campaign", b.CampaignID), slog.Int("batch", b.Seq))
	}
	for _, g := range group {
		e.metrics.batchDone(g.Batch, g.Result)
	}
	for _, c := range cs {
		switch c.Status {
		case models.StatusCompleted:
			e.log.Info("campaign completed", slog.Int64("campaign", c.ID), slog.Int64("accepted", c.Accepted), slog.Int64("invalid", c.Invalid), slog.Int64("failed", c.Failed))
			e.forget(c.ID)
			// A first report soon, so figures appear without waiting for
			// the next poll round; the poller takes it, never the recorder.
			e.handOff(c)
		case models.StatusFailed:
			e.log.Warn("campaign failed", slog.Int64("campaign", c.ID), slog.String("reason", c.StatusReason))
			e.forget(c.ID)
		case models.StatusSending:
			e.checkThreshold(ctx, c)
		}
	}
}

// forget drops a finished campaign's cached state.
func (e *Engine) forget(id int64) {
	e.mu.Lock()
	delete(e.speeds, id)
	delete(e.infos, id)
	e.mu.Unlock()
}

// Error threshold: once this many recipients are done, a campaign whose
// failed share exceeds its threshold pauses itself and says why. Failures
// count only when a batch ends, after its last retry: a provider that is
// down for the whole retry horizon shows as retrying batches until then,
// and a campaign whose every batch ends at once ends failed instead (no
// recipient delivered) rather than paused with nothing left to send.
const thresholdMinDone = 200

func (e *Engine) checkThreshold(ctx context.Context, c models.Campaign) {
	info, err := e.sendInfo(ctx, c.ID)
	if err != nil || info.threshold <= 0 {
		return
	}
	done := c.Accepted + c.Invalid + c.Failed
	if done < thresholdMinDone || float64(c.Failed) <= info.threshold*float64(done) {
		return
	}
	pct := int(info.threshold*100 + 0.5)
	r := models.Reason{Code: models.ReasonErrorThreshold,
		Text: fmt.Sprintf("error threshold: %d of %d recipients failed (over %d%%)", c.Failed, done, pct),
		Data: map[string]any{"Failed": c.Failed, "Done": done, "Threshold": pct}}
	if _, err := e.store.TransitionBecause(ctx, c.ID, models.StatusPaused, "engine", r); err != nil && !errors.Is(err, models.ErrConflict) {
		e.log.Error("auto-pause", slog.Int64("campaign", c.ID), slog.Any("error", err))
		return
	}
	e.log.Warn("campaign paused by error threshold", slog.Int64("campaign", c.ID), slog.String("reason", r.Text))
}
