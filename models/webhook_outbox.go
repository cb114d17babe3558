package models

import (
	"context"
	"fmt"
	"time"
)

// The states of an outbox row: pending until a 2xx (delivered) or until
// its event is older than the retry horizon (dead).
const (
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookDead      = "dead"
)

// WebhookDelivery is one event on its way to one endpoint (a row of the
// outbox); once finished it is a line of the endpoint's delivery log.
type WebhookDelivery struct {
	ID            int64
	EndpointID    int64
	EventID       string
	Type          string
	Body          string
	State         string
	Attempts      int
	NextAttemptMs int64
	LeaseOwner    string
	LastStatus    int
	LastLatencyMs int64
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName is the outbox table.
func (WebhookDelivery) TableName() string { return "webhook_outbox" }

// EmitTestWebhook queues a webhook.test event for one endpoint, whatever
// it subscribes to, and returns the event's id.
func (s *Store) EmitTestWebhook(ctx context.Context, endpointID int64) (string, error) {
	defer s.lockWrite()()
	now := s.now()
	body, raw, err := newEventBody(EventTest, now, map[string]any{"endpoint_id": endpointID})
	if err != nil {
		return "", err
	}
	res, err := s.rawExec(ctx, `INSERT INTO webhook_outbox (endpoint_id, event_id, type, body, next_attempt_ms, created_at, updated_at)
		SELECT id, ?, ?, ?, ?, ?, ? FROM webhook_endpoints WHERE id = ?`, body.ID, EventTest, string(raw), now.UnixMilli(), now, now, endpointID)
	if err != nil {
		return "", fmt.Errorf("models: test event for webhook endpoint %d: %w", endpointID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return "", fmt.Errorf("models: test event for webhook endpoint %d: %w", endpointID, ErrNotFound)
	}
	return body.ID, nil
}

// WebhookClaim asks for due deliveries.
type WebhookClaim struct {
	// Owner names the claiming process (as the engine's batch leases do).
	Owner string
	// Limit is how many rows are looked at.
	Limit int
	// Lease is how long a claimed row stays with Owner before another
	// claim may take it again (longer than one attempt's timeout).
	Lease time.Duration
	// Full lists endpoints with no free slot: their rows are not looked at,
	// so they cannot fill the Limit and hide other endpoints' rows.
	Full []int64
	// Take says whether to claim a candidate; the worker uses it to keep
	// each endpoint's share of its slots. Nil takes all.
	Take func(WebhookDelivery) bool
}

// ClaimWebhookDeliveries leases due pending deliveries of enabled
// endpoints, soonest first. The lease moves next_attempt_ms past the
// attempt, so a process killed mid-attempt leaves the row to be claimed
// again when the lease ends: at least once, never lost.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, q WebhookClaim) ([]WebhookDelivery, error) {
	// The worker asks every second: a read on the read pool answers "none
	// due" without taking the single writer from the engine.
	var due int64
	err := s.read(ctx).Raw(`SELECT count(*) FROM (SELECT 1 FROM webhook_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id AND e.disabled = FALSE
		WHERE o.state = 'pending' AND o.next_attempt_ms <= ? LIMIT 1) AS due`, s.now().UnixMilli()).Scan(&due).Error
	if err != nil {
		return nil, fmt.Errorf("models: due webhook deliveries: %w", err)
	}
	if due == 0 {
		return nil, nil
	}
	var out []WebhookDelivery
	err = s.WithTx(ctx, func(tx *Store) error {
		now := tx.now()
		var cand []WebhookDelivery
		full := q.Full
		if len(full) == 0 {
			full = []int64{0} // NOT IN () is not SQL; no endpoint has id 0
		}
		err := tx.conn(ctx).Raw(`SELECT o.* FROM webhook_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id AND e.disabled = FALSE
			WHERE o.state = 'pending' AND o.next_attempt_ms <= ? AND o.endpoint_id NOT IN ? ORDER BY o.next_attempt_ms, o.id LIMIT ?`,
			now.UnixMilli(), full, q.Limit).Scan(&cand).Error
		if err != nil {
			return fmt.Errorf("models: due webhook deliveries: %w", err)
		}
		until := now.Add(q.Lease).UnixMilli()
		for _, d := range cand {
			if q.Take != nil && !q.Take(d) {
				continue
			}
			if _, err := tx.rawExec(ctx, `UPDATE webhook_outbox SET lease_owner = ?, next_attempt_ms = ? WHERE id = ?`, q.Owner, until, d.ID); err != nil {
				return fmt.Errorf("models: lease webhook delivery %d: %w", d.ID, err)
			}
			d.LeaseOwner, d.NextAttemptMs = q.Owner, until
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// WebhookAttempt is the answer to one delivery attempt.
type WebhookAttempt struct {
	// Status is the HTTP status (0 when none came back).
	Status  int
	Latency time.Duration
	// Error is why the attempt failed ("" for a 2xx).
	Error string
	// State is the row's state after it: delivered, dead, or pending with
	// Next as the time of the next attempt.
	State string
	Next  time.Time
}

// RecordWebhookAttempt stores an attempt's answer on a row leased by
// owner. A row whose lease passed to another claim is left alone
// (ErrConflict): that claim's attempt records its own answer.
func (s *Store) RecordWebhookAttempt(ctx context.Context, d WebhookDelivery, a WebhookAttempt) error {
	defer s.lockWrite()()
	res, err := s.rawExec(ctx, `UPDATE webhook_outbox SET state = ?, attempts = attempts + 1, next_attempt_ms = ?, lease_owner = '',
		last_status = ?, last_latency_ms = ?, last_error = ?, updated_at = ?
		WHERE id = ? AND state = 'pending' AND lease_owner = ? AND next_attempt_ms = ?`,
		a.State, a.Next.UnixMilli(), a.Status, a.Latency.Milliseconds(), truncate(a.Error, 500), s.now(), d.ID, d.LeaseOwner, d.NextAttemptMs)
	if err != nil {
		return fmt.Errorf("models: record webhook delivery %d: %w", d.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("models: record webhook delivery %d: lease lost: %w", d.ID, ErrConflict)
	}
	return nil
}

// ReleaseWebhookLeases makes the rows owner had leased (a previous run of
// this process, killed mid-attempt) due at once.
func (s *Store) ReleaseWebhookLeases(ctx context.Context, owner string) (int64, error) {
	defer s.lockWrite()()
	res, err := s.rawExec(ctx, `UPDATE webhook_outbox SET lease_owner = '', next_attempt_ms = ? WHERE state = 'pending' AND lease_owner = ?`,
		s.now().UnixMilli(), owner)
	if err != nil {
		return 0, fmt.Errorf("models: release webhook leases: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("models: release webhook leases: %w", err)
	}
	return n, nil
}

// ExpireWebhookDeliveries marks dead the pending rows whose event was
// created before cutoff (retries end 24 hours after the event), including
// those of a disabled endpoint, which no attempt would reach.
func (s *Store) ExpireWebhookDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	defer s.lockWrite()()
	res, err := s.rawExec(ctx, `UPDATE webhook_outbox SET state = 'dead', lease_owner = '',
		last_error = CASE WHEN last_error = '' THEN 'not delivered before the retry horizon' ELSE last_error END, updated_at = ?
		WHERE state = 'pending' AND created_at < ?`, s.now(), cutoff)
	if err != nil {
		return 0, fmt.Errorf("models: expire webhook deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("models: expire webhook deliveries: %w", err)
	}
	return n, nil
}

// PruneWebhookLog keeps the newest keep finished rows per endpoint (the
// delivery log) and deletes the older ones; pending rows always stay.
func (s *Store) PruneWebhookLog(ctx context.Context, keep int) (int64, error) {
	defer s.lockWrite()()
	res, err := s.rawExec(ctx, `DELETE FROM webhook_outbox WHERE id IN (
		SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY id DESC) AS rn
			FROM webhook_outbox WHERE state <> 'pending') AS ranked WHERE rn > ?)`, keep)
	if err != nil {
		return 0, fmt.Errorf("models: prune webhook log: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("models: prune webhook log: %w", err)
	}
	return n, nil
}

// WebhookLog lists an endpoint's newest deliveries, pending ones
// included, newest first.
func (s *Store) WebhookLog(ctx context.Context, endpointID int64, limit int) ([]WebhookDelivery, error) {
	var ds []WebhookDelivery
	if err := s.read(ctx).Where("endpoint_id = ?", endpointID).Order("id DESC").Limit(limit).Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("models: log of webhook endpoint %d: %w", endpointID, err)
	}
	return ds, nil
}

// WebhookOutboxDepth counts the deliveries still pending (for metrics).
func (s *Store) WebhookOutboxDepth(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read(ctx).Model(&WebhookDelivery{}).Where("state = 'pending'").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: webhook outbox depth: %w", err)
	}
	return n, nil
}
