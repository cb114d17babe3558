package apns

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// In-call attempts for recipients APNs did not take (429, 500, 503, no
// answer). The engine retries whole batches only, so a batch retry would
// send again to every recipient APNs already accepted; retrying just the
// refused recipients here, with the same apns-id and collapse id, is the
// only way a partial failure leaves the accepted ones alone. The wait is
// short: a longer outage is the engine's to wait out (see conclude).
const (
	maxAttempts  = 3
	attemptWait  = 100 * time.Millisecond
	maxRetryWait = 2 * time.Second
)

// maxCollapseID is APNs' limit on apns-collapse-id.
const maxCollapseID = 64

// Send delivers the message to every device token of a list target, one
// HTTP/2 request per token, at most maxStreams in flight per client.
//
// How the answers map onto what the engine records, recipient by
// recipient, exactly once as far as the engine allows:
//   - 200: accepted (not listed in Result.Outcomes: unlisted means accepted;
//     its apns-id can be derived again from the request id and token).
//   - 400 BadDeviceToken / DeviceTokenNotForTopic, 410 Unregistered /
//     ExpiredToken, or a token that is not hex: an invalid outcome with
//     Apple's reason (and 410's timestamp).
//   - 429, 500, 503 or no answer: sent again within this call, up to
//     maxAttempts. A repeat after a lost answer may reach the device twice;
//     it carries the same apns-collapse-id, so the device shows it once.
//   - 403 Expired/InvalidProviderToken: a new provider token and one more
//     try; refused again, the recipient is a re-authentication failure.
//   - any other refusal is the request's: the rest of the batch is not sent.
//
// When no recipient was accepted or found invalid, nothing the engine
// could undo happened, so the batch's failure is returned as one
// *providers.Error and the engine decides about a batch retry. Otherwise
// the recipients still failing end as failed outcomes: a batch retry
// would resend to the accepted ones too.
func (c *Client) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	tgt := req.Target
	if tgt.Kind != providers.AudienceCID && tgt.Kind != providers.AudiencePushToken {
		return providers.Result{}, refuse("unsupported_audience", fmt.Sprintf("APNs sends to device tokens only, not to %q", tgt.Kind))
	}
	if len(tgt.Values) == 0 || len(tgt.Values) > MaxRecipients {
		return providers.Result{}, refuse("bad_batch", fmt.Sprintf("a batch holds 1 to %d device tokens, not %d", MaxRecipients, len(tgt.Values)))
	}
	if req.RequestID == "" {
		return providers.Result{}, refuse("bad_request_id", "a request id is required (it derives apns-id and the collapse id)")
	}
	// The draft's checks again: a message stored before they existed
	// must not reach APNs either.
	if ps := checkMessage(req.Message); len(ps) > 0 {
		return providers.Result{}, fmt.Errorf("apns: send: %w", payloadError(&ps[0]))
	}
	body, p := buildPayload(req.Message)
	if p != nil {
		return providers.Result{}, fmt.Errorf("apns: send: %w", payloadError(p))
	}
	h := c.headersFor(req)
	if len(h.collapseID) > maxCollapseID {
		return providers.Result{}, refuse("BadCollapseId", fmt.Sprintf("apns-collapse-id is %d bytes, at most %d", len(h.collapseID), maxCollapseID))
	}
	sts := make([]status, len(tgt.Values))
	var todo []int
	for i, t := range tgt.Values {
		if validDeviceToken(t) {
			todo = append(todo, i)
			continue
		}
		sts[i] = status{state: stateInvalid, code: "BadDeviceToken", msg: "not a device token (64 to 200 hex digits); not sent"}
	}
	for attempt := 1; len(todo) > 0; attempt++ {
		if stop := c.round(ctx, req.RequestID, tgt.Values, todo, h, body, sts); stop {
			break
		}
		todo = retryable(todo, sts)
		if len(todo) == 0 || attempt == maxAttempts {
			break
		}
		wait := attemptWait << (attempt - 1)
		for _, i := range todo {
			wait = max(wait, sts[i].retryAfter)
		}
		if wait > maxRetryWait || !c.sleep(ctx, wait) {
			break
		}
	}
	if ctx.Err() != nil {
		return providers.Result{}, fmt.Errorf("apns: send: %w", ctx.Err())
	}
	res, err := conclude(tgt.Values, sts)
	c.log.DebugContext(ctx, "apns send", logAttrs(req), slog.Int("outcomes", len(res.Outcomes)), slog.Bool("failed", err != nil))
	return res, err
}

// headersFor derives a message's headers. The collapse id is the
// message's own, else the batch's request id, which every retry of the
// batch keeps: a repeat replaces the notification it repeats.
func (c *Client) headersFor(req providers.SendRequest) headers {
	h := headers{pushType: "alert", priority: "10", collapseID: req.Message.IOS.CollapseID,
		expiration: expiration(c.now(), req.Message.TTL)}
	if background(req.Message) {
		// APNs requires priority 5 for a background push.
		h.pushType, h.priority = "background", "5"
	}
	if h.collapseID == "" {
		h.collapseID = req.RequestID
	}
	return h
}

// round sends to the recipients at idx concurrently, bounded by the
// client's stream slots, and reports whether the batch must stop: a
// refusal of the request itself, or ctx ending.
//
// A worker goroutine is started for each stream slot won and keeps it,
// taking recipient after recipient, until the round has none left: a
// goroutine per recipient would grow a fresh stack through Go's HTTP/2
// client for every notification. The client's in-flight bound is the
// same, as a worker holds its slot only while the round has work for it.
func (c *Client) round(ctx context.Context, requestID string, tokens []string, idx []int, h headers, body []byte, sts []status) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sh := c.sharedHeaders(h)
	var stop atomic.Bool
	if !c.warm.Load() && len(idx) > 1 {
		// The first request of a client goes alone: a burst of requests
		// before the first connection is up would each dial and shake
		// hands (Go's transport learns only after a handshake that the
		// connection speaks HTTP/2 and can carry them all), which costs
		// time here and is the connection burst APNs asks providers not
		// to make.
		i := idx[0]
		st := c.deliver(ctx, requestID, tokens[i], sh, body)
		st.unknown = st.unknown || sts[i].unknown
		sts[i] = st
		if st.state == statePermanent {
			return true
		}
		idx = idx[1:]
	}
	work := make(chan int)
	var wg sync.WaitGroup
	worker := func(i int) {
		defer wg.Done()
		defer func() { <-c.streams }()
		for more := true; more; i, more = <-work {
			st := c.deliver(ctx, requestID, tokens[i], sh, body)
			if st.state == statePermanent {
				stop.Store(true)
				cancel() // the same refusal awaits every other recipient
			}
			if st.state == statePermanent || ctx.Err() == nil {
				// A request cut short by the cancel keeps its state; an
				// earlier lost answer stays on record, as that attempt
				// may have been delivered.
				st.unknown = st.unknown || sts[i].unknown
				sts[i] = st
			}
		}
	}
	for _, i := range idx {
		if ctx.Err() != nil {
			break
		}
		select {
		case work <- i: // a worker of this round is free
		case c.streams <- struct{}{}:
			wg.Add(1)
			go worker(i)
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return stop.Load()
}

// retryable lists the recipients of idx whose answer allows another try.
func retryable(idx []int, sts []status) []int {
	var out []int
	for _, i := range idx {
		if sts[i].state == stateRetry {
			out = append(out, i)
		}
	}
	return out
}

// conclude turns the recipients' states into the call's result (Send's
// comment explains the mapping).
func conclude(tokens []string, sts []status) (providers.Result, error) {
	var res providers.Result
	settled := false
	var worst *status
	for i, st := range sts {
		switch st.state {
		case stateAccepted:
			settled = true
		case stateInvalid:
			settled = true
			res.Outcomes = append(res.Outcomes, providers.Outcome{Recipient: tokens[i], Status: providers.StatusInvalid, Code: st.code, Message: st.msg})
		default:
			if worst == nil || rank(sts[i]) > rank(*worst) {
				worst = &sts[i]
			}
		}
	}
	if worst == nil {
		return res, nil
	}
	if !settled {
		e := worst.asError()
		// Every recipient was refused or never sent, none went unanswered:
		// APNs took nothing of the batch, so the engine may send it again
		// although APNs recognises no repeat.
		e.NotDelivered = !slices.ContainsFunc(sts, func(s status) bool { return s.unknown })
		return providers.Result{}, fmt.Errorf("apns: send: %w", e)
	}
	for i, st := range sts {
		switch st.state {
		case stateAccepted, stateInvalid:
			continue
		case stateUnsent:
			st = status{code: worst.code, msg: "not sent: " + worst.msg}
		}
		res.Outcomes = append(res.Outcomes, providers.Outcome{Recipient: tokens[i], Status: providers.StatusFailed, Code: st.code, Message: st.msg})
	}
	return res, nil
}

// rank orders failures by what the batch's error should say: the
// request's own refusal first, then a refused key, then a passing trouble.
func rank(s status) int {
	switch s.state {
	case statePermanent:
		return 3
	case stateReauth:
		return 2
	case stateRetry:
		return 1
	}
	return 0
}

// refuse is a Permanent error for a request the client will not send.
func refuse(code, msg string) error {
	return fmt.Errorf("apns: send: %w", &providers.Error{Class: providers.Permanent, Code: code, Msg: msg + " (refused before sending)"})
}

// logAttrs are a Send's log attributes.
func logAttrs(req providers.SendRequest) slog.Attr {
	return slog.Group("request", slog.String("id", req.RequestID), slog.Int("recipients", len(req.Target.Values)))
}
