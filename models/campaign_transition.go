package models

import (
	"context"
	"fmt"
	"time"
)

// CampaignEvent records one status change with who and when.
type CampaignEvent struct {
	ID         int64
	CampaignID int64
	FromStatus Status
	ToStatus   Status
	Actor      string
	Reason     string
	CreatedAt  time.Time
}

// Transition moves a campaign through the status table, recording the
// event. It returns *TransitionError (ErrConflict) when the table forbids it.
func (s *Store) Transition(ctx context.Context, id int64, to Status, actor, reason string) (Campaign, error) {
	var out Campaign
	err := s.WithTx(ctx, func(tx *Store) error {
		c, err := tx.CampaignByID(ctx, id)
		if err != nil {
			return err
		}
		if c, err = tx.transitionLoaded(ctx, c, to, actor, reason); err != nil {
			out = c
			return err
		}
		if to == StatusSending {
			// A campaign resumed after its last batches came back while it
			// was paused has nothing left to send: it ends now.
			aud := c.Audience
			if c, err = tx.finishIfDone(ctx, c.ID); err != nil {
				return err
			}
			c.Audience = aud
		}
		out = c
		return err
	})
	return out, err
}

func (s *Store) transitionLoaded(ctx context.Context, c Campaign, to Status, actor, reason string) (Campaign, error) {
	return s.transitionWhy(ctx, c, to, actor, Reason{Text: reason})
}

// transitionWhy is transitionLoaded with a reason the console can word.
func (s *Store) transitionWhy(ctx context.Context, c Campaign, to Status, actor string, r Reason) (Campaign, error) {
	if !CanTransition(c.Status, to) {
		return c, &TransitionError{From: c.Status, To: to}
	}
	data, err := r.encode()
	if err != nil {
		return c, err
	}
	reason := r.Text
	now := s.now()
	from, firstStart := c.Status, c.StartedAt == nil
	upd := map[string]any{"status": to, "status_reason": reason, "status_reason_code": r.Code, "status_reason_data": data, "updated_at": now}
	if to == StatusSending && c.StartedAt == nil {
		upd["started_at"] = now
		c.StartedAt = &now
	}
	if to.Terminal() {
		upd["finished_at"] = now
		c.FinishedAt = &now
	}
	res := s.conn(ctx).Model(&Campaign{}).Where("id = ? AND status = ?", c.ID, c.Status).Updates(upd)
	if res.Error != nil {
		return c, fmt.Errorf("models: campaign %d → %s: %w", c.ID, to, res.Error)
	}
	if res.RowsAffected == 0 {
		return c, &TransitionError{From: c.Status, To: to}
	}
	ev := CampaignEvent{CampaignID: c.ID, FromStatus: c.Status, ToStatus: to, Actor: actor, Reason: reason, CreatedAt: now}
	if err := s.conn(ctx).Create(&ev).Error; err != nil {
		return c, fmt.Errorf("models: campaign %d event: %w", c.ID, err)
	}
	c.Status, c.StatusReason, c.StatusReasonCode, c.StatusReasonData, c.UpdatedAt = to, reason, r.Code, data, now
	// The webhook event commits with the change (s is in its transaction).
	if err := s.emitCampaignEvent(ctx, c, from, firstStart, actor, r); err != nil {
		return c, err
	}
	return c, nil
}

// CampaignEvents lists a campaign's status history, oldest first.
func (s *Store) CampaignEvents(ctx context.Context, id int64) ([]CampaignEvent, error) {
	var es []CampaignEvent
	if err := s.conn(ctx).Where("campaign_id = ?", id).Order("id").Find(&es).Error; err != nil {
		return nil, fmt.Errorf("models: events of campaign %d: %w", id, err)
	}
	return es, nil
}
