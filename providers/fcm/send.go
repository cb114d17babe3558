package fcm

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// The client's own retries inside one Send. The engine retries whole
// batches, but a batch here is MaxBatch separate messages: retrying the
// batch would send the delivered ones again. So the recipients FCM did not
// take are sent again here, a bounded number of times within a budget that
// keeps the Send inside the engine's one-minute lease.
const (
	sendAttempts = 3
	retryBudget  = 20 * time.Second
	retryPause   = 500 * time.Millisecond
)

// Send delivers one message to each device token of a cid batch (one
// messages:send each, up to maxStreams at once), or one message to the
// topics of a tag audience sent as topics.
//
// Each token's answer is its outcome: accepted, invalid (UNREGISTERED,
// SENDER_ID_MISMATCH, a malformed token) or failed. Tokens FCM did not take
// (QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL, a refused access token) and
// tokens whose answer was lost are sent again within the call. What is
// still unsettled after that ends the batch this way:
//   - no token accepted: a Retry (or Reauth) *providers.Error for the whole
//     batch, NotDelivered when FCM said it took none of them, so the engine
//     may send the batch again without delivering twice;
//   - some accepted: they keep their outcome and the rest are failed with
//     FCM's code, since sending the batch again would deliver twice.
//
// A refusal every token shares (the message, the project, the permission)
// stops the batch: a Permanent error when nothing was accepted.
func (c *Client) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	msg, err := buildMessage(req.Message, req.RequestID)
	if err != nil {
		return providers.Result{}, fmt.Errorf("fcm: send: %w", err)
	}
	log := c.log.With(slog.String("request_id", req.RequestID), slog.String("audience", string(req.Target.Kind)),
		slog.Int("recipients", len(req.Target.Values)))
	switch req.Target.Kind {
	case providers.AudienceTag:
		if err := topicTarget(req.Target.Values, req.Message.Options, msg); err != nil {
			return providers.Result{}, fmt.Errorf("fcm: send: %w", err)
		}
		return c.sendTopic(ctx, log, msg)
	case providers.AudienceCID:
		switch n := len(req.Target.Values); {
		case n == 0:
			return providers.Result{}, fmt.Errorf("fcm: send: %w", refuse("the batch has no device tokens"))
		case n > MaxBatch:
			return providers.Result{}, fmt.Errorf("fcm: send: %w", refuse(fmt.Sprintf("the batch has %d device tokens; at most %d", n, MaxBatch)))
		}
		return c.sendTokens(ctx, log, msg, req.Target.Values)
	}
	return providers.Result{}, fmt.Errorf("fcm: send: %w", refuse(fmt.Sprintf("audience kind %q is not supported by FCM", req.Target.Kind)))
}

// sendTopic sends the one message of a topic audience. Only a refused
// access token is retried here; everything else is the engine's to retry.
func (c *Client) sendTopic(ctx context.Context, log *slog.Logger, msg *message) (providers.Result, error) {
	body, err := json.Marshal(sendRequest{Message: msg})
	if err != nil {
		return providers.Result{}, fmt.Errorf("fcm: send: encode: %w", err)
	}
	a := c.call(ctx, body, oneRefresh())
	if a.v == reauth {
		a = c.call(ctx, body, nil)
	}
	if a.v != accepted {
		log.InfoContext(ctx, "fcm topic send refused", slog.String("code", a.code))
		return providers.Result{}, fmt.Errorf("fcm: send: %w", a.error())
	}
	log.DebugContext(ctx, "fcm topic sent", slog.String("name", a.name))
	return providers.Result{TaskID: a.name}, nil
}

// settled is what a batch's tokens came to.
type settled struct {
	outcomes  []providers.Outcome
	accepted  int
	fatal     int
	leftover  []answer // last answers of the tokens still unsettled
	leftToken []string
}

func (c *Client) sendTokens(ctx context.Context, log *slog.Logger, msg *message, tokens []string) (providers.Result, error) {
	tmpl, err := newBodyTemplate(msg)
	if err != nil {
		return providers.Result{}, fmt.Errorf("fcm: send: %w", err)
	}
	var s settled
	pending := make([]int, 0, len(tokens))
	for i, t := range tokens {
		if t == "" {
			s.outcomes = append(s.outcomes, providers.Outcome{Recipient: t, Status: providers.StatusInvalid, Code: errInvalidArgument, Message: "empty registration token"})
			continue
		}
		pending = append(pending, i)
	}
	deadline := time.Now().Add(retryBudget)
	refreshed := false
	refresh := oneRefresh()
	var stuck []answer
	var stuckToken []string
	for attempt := 1; len(pending) > 0; attempt++ {
		answers := c.round(ctx, tmpl, tokens, pending, refresh)
		var again []int
		var wait time.Duration
		s.leftover, s.leftToken = s.leftover[:0], s.leftToken[:0]
		for i, a := range answers {
			tok := tokens[pending[i]]
			switch a.v {
			case accepted:
				s.accepted++ // an unlisted recipient is accepted
			case invalid:
				s.outcomes = append(s.outcomes, providers.Outcome{Recipient: tok, Status: providers.StatusInvalid, Code: a.code, Message: a.msg})
			case failed, fatal:
				if a.v == fatal {
					s.fatal++
				}
				s.outcomes = append(s.outcomes, providers.Outcome{Recipient: tok, Status: providers.StatusFailed, Code: a.code, Message: a.msg})
			default:
				if a.v == reauth && refreshed {
					// Refused again with a fresh token: the service account
					// lost its permission; the engine re-authenticates.
					stuck, stuckToken = append(stuck, a), append(stuckToken, tok)
					continue
				}
				again = append(again, pending[i])
				s.leftover, s.leftToken = append(s.leftover, a), append(s.leftToken, tok)
				wait = max(wait, a.wait)
			}
		}
		for _, a := range s.leftover {
			refreshed = refreshed || a.v == reauth
		}
		pending = again
		if len(pending) == 0 || attempt == sendAttempts || ctx.Err() != nil {
			break
		}
		if wait == 0 {
			d := c.pause << (attempt - 1)
			wait = d/2 + rand.N(d/2+1)
		}
		if time.Now().Add(wait).After(deadline) || !sleep(ctx, wait) {
			break
		}
	}
	s.leftover, s.leftToken = append(s.leftover, stuck...), append(s.leftToken, stuckToken...)
	return s.result(ctx, log, len(tokens))
}

// round sends the message to the tokens at idx, at most maxStreams at a
// time across the client, and returns their answers in order. Once an
// answer refuses what every token shares, the tokens not yet sent get the
// same answer instead of a request.
//
// A worker goroutine is started for each stream slot won and keeps it,
// taking token after token, until the round has none left: a goroutine
// per token would grow a fresh stack through Go's HTTP/2 client for every
// message. The client's in-flight bound is the same, as a worker holds its
// slot only while the round has work for it.
func (c *Client) round(ctx context.Context, tmpl *bodyTemplate, tokens []string, idx []int, refresh *atomic.Bool) []answer {
	out := make([]answer, len(idx))
	var stop atomic.Pointer[answer]
	work := make(chan int)
	var wg sync.WaitGroup
	worker := func(i int) {
		defer wg.Done()
		defer func() { <-c.streams }()
		for more := true; more; i, more = <-work {
			if a := stop.Load(); a != nil {
				out[i] = *a
				continue
			}
			out[i] = c.send(ctx, tmpl, tokens[idx[i]], refresh)
			if out[i].v == fatal {
				stop.CompareAndSwap(nil, &out[i])
			}
		}
	}
	for i := range idx {
		if a := stop.Load(); a != nil {
			out[i] = *a
			continue
		}
		select {
		case work <- i: // a worker of this round is free
		case c.streams <- struct{}{}:
			wg.Add(1)
			go worker(i)
		case <-ctx.Done():
			out[i] = answer{v: retry, code: "canceled", msg: "not sent: the engine is stopping", err: ctx.Err()}
		}
	}
	close(work)
	wg.Wait()
	return out
}

// send sends the message to one token; refresh is call's.
func (c *Client) send(ctx context.Context, tmpl *bodyTemplate, tok string, refresh *atomic.Bool) answer {
	body, err := tmpl.body(tok)
	if err != nil {
		return answer{v: fatal, code: codeRefused, msg: "cannot encode the message", err: err}
	}
	return c.call(ctx, body, refresh)
}

// result ends the batch as Send's comment says.
func (s *settled) result(ctx context.Context, log *slog.Logger, n int) (providers.Result, error) {
	if len(s.leftover) == 0 {
		if s.accepted == 0 && s.fatal == len(s.outcomes) && s.fatal > 0 {
			o := s.outcomes[0]
			log.InfoContext(ctx, "fcm batch refused", slog.String("code", o.Code))
			return providers.Result{}, fmt.Errorf("fcm: send: %w", &providers.Error{Class: providers.Permanent, Code: o.Code, Msg: o.Message})
		}
		log.DebugContext(ctx, "fcm batch sent", slog.Int("accepted", s.accepted), slog.Int("outcomes", len(s.outcomes)))
		return providers.Result{Outcomes: s.outcomes}, nil
	}
	if s.accepted == 0 {
		e := s.leftover[0].error()
		e.NotDelivered = true
		for _, a := range s.leftover {
			ae := a.error()
			e.NotDelivered = e.NotDelivered && ae.NotDelivered
			e.RateLimited = e.RateLimited || ae.RateLimited
			e.RetryAfter = max(e.RetryAfter, ae.RetryAfter)
			if ae.Class == providers.Retry {
				e.Class = providers.Retry // Reauth only when every token was refused for it
			}
		}
		log.InfoContext(ctx, "fcm batch not taken", slog.String("code", e.Code), slog.Int("unsettled", len(s.leftover)), slog.Bool("not_delivered", e.NotDelivered))
		return providers.Result{}, fmt.Errorf("fcm: send: %w", e)
	}
	for i, a := range s.leftover {
		s.outcomes = append(s.outcomes, providers.Outcome{Recipient: s.leftToken[i], Status: providers.StatusFailed, Code: a.code,
			Message: fmt.Sprintf("%s (not sent again: %d of the batch's %d were delivered, and FCM cannot recognise a repeat)", a.msg, s.accepted, n)})
	}
	log.InfoContext(ctx, "fcm batch partly unsettled", slog.Int("accepted", s.accepted), slog.Int("failed", len(s.leftover)), slog.String("code", s.leftover[0].code))
	return providers.Result{Outcomes: s.outcomes}, nil
}

// sleep waits d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
