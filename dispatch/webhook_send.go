package dispatch

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// Webhook request headers.
const (
	// HeaderWebhookSignature is "t=<unix seconds>,v1=<hex HMAC-SHA256 of
	// "<t>.<body>" keyed with the endpoint's secret>".
	HeaderWebhookSignature = "X-Pushdeck-Signature"
	// HeaderWebhookEventID is the event's id, the same on every retry and
	// for every endpoint: the receiver's de-duplication key.
	HeaderWebhookEventID = "X-Pushdeck-Event-Id"
	// HeaderWebhookEvent is the event's type.
	HeaderWebhookEvent = "X-Pushdeck-Event"
)

// webhookAnswerLimit is how much of a receiver's answer is read: enough
// for an error line in the log, and a huge or endless answer costs nothing.
const webhookAnswerLimit = 4 << 10

// SignWebhook is the signature header's value for body sent at t.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// deliver makes one attempt and records its answer and what comes next.
func (w *Webhooks) deliver(ctx context.Context, d models.WebhookDelivery) {
	status, latency, err := w.attempt(ctx, d)
	if ctx.Err() != nil {
		return // shutting down: the lease brings the row back next run
	}
	a := models.WebhookAttempt{Status: status, Latency: latency, State: models.WebhookDelivered, Next: w.store.Now()}
	if err != nil {
		a.Error = err.Error()
		a.State, a.Next = w.next(d)
	}
	if err := w.store.RecordWebhookAttempt(ctx, d, a); err != nil && ctx.Err() == nil {
		w.log.Warn("record webhook delivery", slog.Int64("delivery", d.ID), slog.Any("error", err))
		return
	}
	if a.State == models.WebhookDead {
		w.log.Warn("webhook delivery given up", slog.Int64("endpoint", d.EndpointID), slog.String("event", d.EventID),
			slog.Int("attempts", d.Attempts+1), slog.String("error", a.Error))
	}
}

// next is when a failed delivery is tried again: exponential backoff
// from BackoffBase, capped at BackoffMax, with jitter (a random 50–100 %
// of the step, so endpoints that failed together do not retry together);
// dead when that falls past the event's horizon.
func (w *Webhooks) next(d models.WebhookDelivery) (string, time.Time) {
	step := w.cfg.BackoffBase
	for i := 0; i < d.Attempts && step < w.cfg.BackoffMax; i++ {
		step *= 2
	}
	step = min(step, w.cfg.BackoffMax)
	wait := step/2 + rand.N(step/2+1)
	at := w.store.Now().Add(wait)
	if at.After(d.CreatedAt.Add(w.cfg.Horizon)) {
		return models.WebhookDead, at
	}
	return models.WebhookPending, at
}

// attempt POSTs the event's stored body to the endpoint, signed now. Any
// answer but a 2xx is an error naming it; a redirect is not followed.
func (w *Webhooks) attempt(ctx context.Context, d models.WebhookDelivery) (int, time.Duration, error) {
	e, err := w.store.WebhookByID(ctx, d.EndpointID)
	if err != nil {
		return 0, 0, fmt.Errorf("webhooks: endpoint: %w", err)
	}
	secret, err := w.store.WebhookSecret(e)
	if err != nil {
		if errors.Is(err, models.ErrUnreadableSecret) {
			return 0, 0, errors.New("the endpoint's secret was sealed with another secret key: delete the endpoint and create it again")
		}
		return 0, 0, fmt.Errorf("webhooks: secret: %w", err)
	}
	body := []byte(d.Body)
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("webhooks: request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "pushdeck-webhooks/1")
	req.Header.Set(HeaderWebhookEventID, d.EventID)
	req.Header.Set(HeaderWebhookEvent, d.Type)
	start := time.Now()
	req.Header.Set(HeaderWebhookSignature, SignWebhook(secret, w.store.Now(), body))
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, time.Since(start), fmt.Errorf("webhooks: post: %w", scrubURL(err))
	}
	answer, readErr := io.ReadAll(io.LimitReader(resp.Body, webhookAnswerLimit))
	latency := time.Since(start)
	_ = resp.Body.Close() // the answer was read as far as it matters
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		line := strings.TrimSpace(strings.ToValidUTF8(string(answer), ""))
		if len(line) > 200 {
			line = line[:200]
		}
		return resp.StatusCode, latency, fmt.Errorf("HTTP %d %s", resp.StatusCode, line)
	}
	if readErr != nil {
		// A 2xx whose body broke off still counts: the status is the answer.
		w.log.Debug("webhook answer unreadable", slog.Int64("delivery", d.ID), slog.Any("error", readErr))
	}
	return resp.StatusCode, latency, nil
}

// scrubURL keeps the error's cause without the URL it wraps (the log and
// the delivery log already say which endpoint, and a path may hold a
// receiver's token).
func scrubURL(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("no answer within the timeout")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
