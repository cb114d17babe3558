package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// NewBatch is a batch to freeze: its target JSON and, for a listed
// audience, its recipients (de-duplicated, in key order).
type NewBatch struct {
	Target     json.RawMessage
	Recipients []string
	// DueAt, when later than now, is when the batch may first be sent
	// (local-time delivery, quiet hours); zero means at once.
	DueAt time.Time
	// Variant is the campaign variant the batch sends.
	Variant int
}

// RequestID derives a batch's request id from the campaign's nonce, id and
// the batch number: at most 2+6+19+1+10 = 38 characters in theory, 10–32 in
// practice (ids below 10^13), only [0-9A-Za-z].
func RequestID(nonce string, campaignID int64, seq int) string {
	return fmt.Sprintf("pd%s%dx%d", nonce, campaignID, seq)
}

// FreezeBatches appends batches (and their pending deliveries) to a
// sending campaign's plan, numbering them after the last frozen batch, and
// moves the plan cursor to cursor — all in one transaction, so a planner
// killed at any instant either froze a chunk completely or not at all.
// final marks the audience fully frozen. It returns ErrConflict when the
// campaign is no longer sending or paused, or is already planned.
func (s *Store) FreezeBatches(ctx context.Context, campaignID int64, bs []NewBatch, cursor string, final bool) error {
	// Encoding needs no database: done before the write lock.
	lists := make([]string, len(bs))
	for i, nb := range bs {
		if len(nb.Recipients) == 0 {
			continue
		}
		rs, err := json.Marshal(nb.Recipients)
		if err != nil {
			return fmt.Errorf("models: encode recipients of a batch of campaign %d: %w", campaignID, err)
		}
		lists[i] = string(rs)
	}
	return s.WithTx(ctx, func(tx *Store) error {
		c, err := tx.CampaignHead(ctx, campaignID)
		if err != nil {
			return err
		}
		if c.Planned || (c.Status != StatusSending && c.Status != StatusPaused) {
			return fmt.Errorf("models: freeze batches of campaign %d (%s, planned %v): %w", c.ID, c.Status, c.Planned, ErrConflict)
		}
		now := tx.now()
		var added int64
		for i, nb := range bs {
			seq := c.PlanSeq + 1 + i
			var first, last string
			if n := len(nb.Recipients); n > 0 {
				first, last = nb.Recipients[0], nb.Recipients[n-1]
			}
			due := now
			if nb.DueAt.After(now) {
				due = nb.DueAt.UTC()
			}
			// The target is bound as bytes (a BLOB), as GORM writes a
			// json.RawMessage, so every batch row reads back alike.
			id, err := tx.rawInsert(ctx, `INSERT INTO batches (campaign_id, seq, request_id, target, first_recipient, last_recipient, size, status, next_attempt_at, created_at, updated_at, variant)
				VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
				c.ID, seq, RequestID(c.Nonce, c.ID, seq), []byte(nb.Target), first, last, len(nb.Recipients), due, now, now, nb.Variant)
			if err != nil {
				return fmt.Errorf("models: add batch %d of campaign %d: %w", seq, c.ID, err)
			}
			if lists[i] != "" {
				if _, err := tx.rawExec(ctx, `INSERT INTO batch_recipients (batch_id, recipients) VALUES (?, ?)`, id, lists[i]); err != nil {
					return fmt.Errorf("models: recipients of batch %d of campaign %d: %w", seq, c.ID, err)
				}
			}
			added += int64(len(nb.Recipients))
		}
		err = tx.conn(ctx).Exec(`UPDATE campaigns SET recipients = recipients + ?, pending = pending + ?, plan_seq = plan_seq + ?, plan_cursor = ?, planned = ?, updated_at = ? WHERE id = ?`,
			added, added, len(bs), cursor, final, now, c.ID).Error
		if err != nil {
			return fmt.Errorf("models: plan of campaign %d: %w", c.ID, err)
		}
		if final {
			_, err = tx.finishIfDone(ctx, c.ID)
		}
		return err
	})
}

// UnplannedCampaigns lists sending campaigns whose audience is not fully
// frozen yet (new, or interrupted by a crash).
func (s *Store) UnplannedCampaigns(ctx context.Context) ([]Campaign, error) {
	var cs []Campaign
	if err := s.conn(ctx).Where(s.dialect.unplanned+" AND status = ?", StatusSending).Order("id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: unplanned campaigns: %w", err)
	}
	ptrs := make([]*Campaign, len(cs))
	for i := range cs {
		ptrs[i] = &cs[i]
	}
	if err := s.loadAudiences(ctx, ptrs, true); err != nil {
		return nil, err
	}
	return cs, nil
}
