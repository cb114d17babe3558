package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Batch is one provider request's worth of a campaign. Its RequestID is
// fixed when the batch is written, before the first call, and reused on every
// retry so the provider's de-duplication makes a retry safe.
type Batch struct {
	ID         int64
	CampaignID int64
	Seq        int
	RequestID  string
	Target     json.RawMessage `gorm:"type:text"`
	// Recipients is the batch's slice of a listed audience, in key order,
	// kept in batch_recipients and loaded with the batch.
	Recipients     []string `gorm:"-"`
	FirstRecipient string
	LastRecipient  string
	Size           int
	Status         string
	Attempts       int
	LeaseOwner     string
	LeaseExpiresAt *time.Time
	NextAttemptAt  time.Time
	// FirstAttemptAt is when the batch was first claimed for sending (nil
	// before that), the start of a provider's de-duplication window.
	FirstAttemptAt *time.Time
	// ProviderKey is the de-duplication key the provider issued for the
	// batch (providers.KeyIssuer), kept before the first request that
	// carries it; empty when the provider issues none.
	ProviderKey string
	TaskID      string
	// Variant is the campaign variant the batch sends (0 without variants).
	Variant     int
	LastCode    string
	LastError   string
	LastErrorAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Batch states.
const (
	BatchPending   = "pending"
	BatchDone      = "done"
	BatchFailed    = "failed"
	BatchCancelled = "cancelled"
)

// Delivery is one recipient of a listed audience. RequestID and UpdatedAt
// come from its batch.
type Delivery struct {
	CampaignID int64     `json:"-"`
	Recipient  string    `json:"cid"`
	BatchSeq   int       `json:"-"`
	Status     string    `json:"status"`
	Code       string    `json:"code"`
	Message    string    `json:"message"`
	RequestID  string    `json:"request_id" gorm:"->"`
	UpdatedAt  time.Time `json:"updated_at" gorm:"->"`
	// Variant is the A/B variant its batch sent (0 without variants).
	Variant int `json:"variant" gorm:"->"`
}

// Delivery states (the contract's delivery status).
const (
	DeliveryPending  = "pending"
	DeliveryAccepted = "accepted"
	DeliveryInvalid  = "invalid"
	DeliveryFailed   = "failed"
)

// FailureCount is one line of "errors by reason".
type FailureCount struct {
	Status  string
	Code    string
	Message string
	N       int64
}

// CampaignFailures returns a campaign's failures by status and code, most
// frequent first.
func (s *Store) CampaignFailures(ctx context.Context, id int64) ([]FailureCount, error) {
	var out []FailureCount
	err := s.conn(ctx).Raw(`SELECT status, code, message, n FROM campaign_failures WHERE campaign_id = ? ORDER BY n DESC, code`, id).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: failures of campaign %d: %w", id, err)
	}
	return out, nil
}

// CampaignStatus reads a campaign's status from the read pool (workers
// check it before each call without waiting for the single writer).
func (s *Store) CampaignStatus(ctx context.Context, id int64) (Status, error) {
	var st []Status
	if err := s.read(ctx).Model(&Campaign{}).Where("id = ?", id).Pluck("status", &st).Error; err != nil {
		return "", fmt.Errorf("models: status of campaign %d: %w", id, err)
	}
	if len(st) == 0 {
		return "", fmt.Errorf("models: status of campaign %d: %w", id, ErrNotFound)
	}
	return st[0], nil
}

// CancelCampaign cancels a campaign and every batch not yet sent; their
// recipients end as failed with code "cancelled".
func (s *Store) CancelCampaign(ctx context.Context, id int64, actor, reason string) (Campaign, error) {
	var out Campaign
	err := s.WithTx(ctx, func(tx *Store) error {
		// Batches before the campaign, as the recorders lock them
		// (CompleteBatches): one recording a batch finishes first.
		if err := tx.lockPendingBatches(ctx, id); err != nil {
			return err
		}
		c, err := tx.CampaignByID(ctx, id)
		if err != nil {
			return err
		}
		if c, err = tx.transitionLoaded(ctx, c, StatusCancelled, actor, reason); err != nil {
			return err
		}
		var pending []Batch
		if err := tx.conn(ctx).Where("campaign_id = ? AND status = 'pending'", id).Order("seq").Find(&pending).Error; err != nil {
			return fmt.Errorf("models: pending batches of campaign %d: %w", id, err)
		}
		if err := tx.loadRecipients(ctx, pending); err != nil {
			return err
		}
		now := tx.now()
		var n int64
		for _, b := range pending {
			st, err := settle(b, BatchResult{Final: DeliveryFailed, Code: "cancelled", Message: "campaign cancelled"})
			if err != nil {
				return err
			}
			st.failures = nil // counted once for the whole campaign below
			if err := tx.writeSettlement(ctx, b, st, &Totals{}); err != nil {
				return err
			}
			n += int64(len(b.Recipients))
		}
		if err := tx.conn(ctx).Exec(`UPDATE batches SET status = 'cancelled', lease_owner = '', lease_expires_at = NULL, updated_at = ? WHERE campaign_id = ? AND status = 'pending'`, now, id).Error; err != nil {
			return fmt.Errorf("models: cancel batches of campaign %d: %w", id, err)
		}
		if n > 0 {
			err := tx.conn(ctx).Exec(`INSERT INTO campaign_failures (campaign_id, status, code, message, n) VALUES (?, 'failed', 'cancelled', 'campaign cancelled', ?)
				ON CONFLICT (campaign_id, status, code) DO UPDATE SET n = campaign_failures.n + excluded.n`, id, n).Error
			if err != nil {
				return fmt.Errorf("models: cancel failures of campaign %d: %w", id, err)
			}
		}
		if err := tx.conn(ctx).Exec(`UPDATE campaigns SET pending = pending - ?, failed = failed + ?, planned = TRUE WHERE id = ?`, n, n, id).Error; err != nil {
			return fmt.Errorf("models: cancel counters of campaign %d: %w", id, err)
		}
		out, err = tx.CampaignByID(ctx, id)
		return err
	})
	return out, err
}

// DeliveryFilter selects one keyset page of a campaign's deliveries.
type DeliveryFilter struct {
	Status string
	After  string
	Limit  int
}

// ListDeliveries returns a page ordered by recipient and the cursor of the
// next page ("" on the last). Terminal rows come from deliveries; pending
// recipients from their batches, which the planner froze in key order, so
// both are sorted and a page is their merge.
func (s *Store) ListDeliveries(ctx context.Context, campaignID int64, f DeliveryFilter) ([]Delivery, string, error) {
	limit := clampLimit(f.Limit)
	var done, pend []Delivery
	if f.Status != DeliveryPending {
		var err error
		if done, err = s.terminalDeliveries(ctx, campaignID, f.Status, f.After, limit+1); err != nil {
			return nil, "", err
		}
	}
	if f.Status == "" || f.Status == DeliveryPending {
		var err error
		if pend, err = s.pendingDeliveries(ctx, campaignID, f.After, limit+1); err != nil {
			return nil, "", err
		}
	}
	out := make([]Delivery, 0, limit+1)
	for len(out) <= limit && (len(done) > 0 || len(pend) > 0) {
		if len(pend) == 0 || (len(done) > 0 && done[0].Recipient < pend[0].Recipient) {
			out, done = append(out, done[0]), done[1:]
		} else {
			out, pend = append(out, pend[0]), pend[1:]
		}
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Recipient
	}
	return out, next, nil
}

// terminalDeliveries reads up to n delivery rows after the cursor, from
// the read pool (pages and exports never queue behind the engine's writes)
// and scanned by hand: GORM's reflection was most of the cost of a
// million-row CSV export.
func (s *Store) terminalDeliveries(ctx context.Context, campaignID int64, status, after string, n int) ([]Delivery, error) {
	q := `SELECT d.recipient, d.batch_seq, d.status, d.code, d.message, b.request_id, b.updated_at, b.variant
FROM deliveries d JOIN batches b ON b.campaign_id = d.campaign_id AND b.seq = d.batch_seq
WHERE d.campaign_id = ? AND d.recipient > ?`
	args := []any{campaignID, after}
	switch status {
	case "":
	case DeliveryAccepted:
		q += ` AND d.status = ?`
		args = append(args, status)
	default:
		// The literal term lets SQLite use the partial index of problems.
		q += ` AND d.status = ? AND d.status <> 'accepted'`
		args = append(args, status)
	}
	q += ` ORDER BY d.recipient LIMIT ?`
	args = append(args, n)
	rows, err := s.read(rowContext(ctx)).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: deliveries of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	out := make([]Delivery, 0, min(n, 1024))
	for rows.Next() {
		d := Delivery{CampaignID: campaignID}
		if err := rows.Scan(&d.Recipient, &d.BatchSeq, &d.Status, &d.Code, &d.Message, &d.RequestID, &d.UpdatedAt, &d.Variant); err != nil {
			return nil, fmt.Errorf("models: deliveries of campaign %d: %w", campaignID, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: deliveries of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// pendingDeliveries lists up to n pending recipients after the cursor from
// the campaign's unsent batches.
func (s *Store) pendingDeliveries(ctx context.Context, campaignID int64, after string, n int) ([]Delivery, error) {
	var out []Delivery
	lastSeq := 0
	for len(out) < n {
		var bs []Batch
		err := s.read(ctx).Where("campaign_id = ? AND status = 'pending' AND last_recipient > ? AND seq > ?", campaignID, after, lastSeq).
			Order("seq").Limit(4).Find(&bs).Error
		if err != nil {
			return nil, fmt.Errorf("models: pending batches of campaign %d: %w", campaignID, err)
		}
		if len(bs) == 0 {
			break
		}
		if err := s.loadRecipients(ctx, bs); err != nil {
			return nil, err
		}
		for _, b := range bs {
			for _, r := range b.Recipients {
				if r > after && len(out) < n {
					out = append(out, Delivery{CampaignID: campaignID, Recipient: r, BatchSeq: b.Seq, Status: DeliveryPending, RequestID: b.RequestID, UpdatedAt: b.UpdatedAt, Variant: b.Variant})
				}
			}
			lastSeq = b.Seq
		}
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n-- // do not split a UTF-8 sequence
	}
	return s[:n]
}

// loadRecipients fills the batches' Recipients from batch_recipients.
func (s *Store) loadRecipients(ctx context.Context, bs []Batch) error {
	for i := range bs {
		var raw []string
		err := s.conn(ctx).Raw(`SELECT recipients FROM batch_recipients WHERE batch_id = ?`, bs[i].ID).Pluck("recipients", &raw).Error
		if err != nil {
			return fmt.Errorf("models: recipients of batch %d: %w", bs[i].ID, err)
		}
		bs[i].Recipients = nil
		if len(raw) == 1 {
			if bs[i].Recipients, err = decodeStringList(raw[0]); err != nil {
				return fmt.Errorf("models: recipients of batch %d: %w", bs[i].ID, err)
			}
		}
	}
	return nil
}

// PendingBatches counts batches waiting to be sent (the queue depth).
func (s *Store) PendingBatches(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&Batch{}).Where("status = 'pending'").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: pending batches: %w", err)
	}
	return n, nil
}

// ReleaseLeases frees the leases held by owner. An engine calls it when it
// starts: a lease with its own name is a leftover of its previous life
// (killed before it could record an outcome), so the batch is due again at
// once instead of after the lease runs out; it is resent with its same
// request id.
func (s *Store) ReleaseLeases(ctx context.Context, owner string) (int64, error) {
	r := s.conn(ctx).Exec(`UPDATE batches SET lease_owner = '', lease_expires_at = NULL WHERE lease_owner = ? AND status = 'pending'`, owner)
	if r.Error != nil {
		return 0, fmt.Errorf("models: release leases of %s: %w", owner, r.Error)
	}
	return r.RowsAffected, nil
}

// rawPrepare prepares a statement on the store's connection or transaction.
func (s *Store) rawPrepare(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := s.raw().PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return st, nil
}

// rawInsert runs an INSERT of one row on the store's connection or
// transaction and returns the new row's id (RETURNING, which both stores
// accept; PostgreSQL's driver has no LastInsertId).
func (s *Store) rawInsert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	if err := s.raw().QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert: %w", err)
	}
	return id, nil
}

// rawExec runs a statement on the store's connection or transaction
// directly through database/sql, bypassing GORM's statement builder: the
// hot-path multi-row statements carry over a thousand parameters, and GORM
// re-scans the SQL and boxes every one of them.
func (s *Store) rawExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := s.raw().ExecContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	return res, nil
}
