package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Reason codes the engine gives when it moves a campaign on its own. The
// codes are part of the API (status_reason_code).
const (
	// ReasonNoDelivery: every recipient reached a terminal state and none
	// was accepted or answered invalid by the provider (or a broadcast's
	// request was refused), so the campaign ends failed.
	ReasonNoDelivery = "no_delivery"
	// ReasonNoRecipients: the audience resolved to nobody, so nothing was
	// sent and the campaign ends failed.
	ReasonNoRecipients = "no_recipients"
	// ReasonErrorThreshold: the failed share crossed the campaign's error
	// threshold, so it paused itself.
	ReasonErrorThreshold = "error_threshold"
)

// Reason says why a campaign changed state: Text is the English sentence
// (status_reason), Code and Data what a page needs to say it in the
// operator's language. An operator's own change has only Text, often empty.
type Reason struct {
	Code string
	Data map[string]any
	Text string
}

func (r Reason) encode() (string, error) {
	if len(r.Data) == 0 {
		return "", nil
	}
	b, err := json.Marshal(r.Data)
	if err != nil {
		return "", fmt.Errorf("models: encode status reason %s: %w", r.Code, err)
	}
	return string(b), nil
}

// ReasonData decodes StatusReasonData (nil when there is none or it does
// not decode: the English StatusReason still says it).
func (c Campaign) ReasonData() map[string]any {
	if c.StatusReasonData == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(c.StatusReasonData), &m); err != nil {
		return nil
	}
	return m
}

// TransitionBecause is Transition with a reason pages can word (the
// engine's own decisions, such as the error threshold's pause).
func (s *Store) TransitionBecause(ctx context.Context, id int64, to Status, actor string, r Reason) (Campaign, error) {
	var out Campaign
	err := s.WithTx(ctx, func(tx *Store) error {
		c, err := tx.CampaignHead(ctx, id)
		if err != nil {
			return err
		}
		out, err = tx.transitionWhy(ctx, c, to, actor, r)
		return err
	})
	return out, err
}

// finishIfDone ends a sending (or paused) campaign that has no pending
// batch left: completed when at least one recipient was accepted or
// answered invalid by the provider (for a broadcast: when the provider
// took the request), failed with the reason when none could be delivered.
func (s *Store) finishIfDone(ctx context.Context, campaignID int64) (Campaign, error) {
	c, err := s.CampaignHead(ctx, campaignID)
	if err != nil {
		return Campaign{}, err
	}
	if (c.Status != StatusSending && c.Status != StatusPaused) || !c.Planned {
		return c, nil
	}
	var left int64
	if err := s.conn(ctx).Model(&Batch{}).Where("campaign_id = ? AND status = 'pending'", campaignID).Count(&left).Error; err != nil {
		return c, fmt.Errorf("models: pending batches of campaign %d: %w", campaignID, err)
	}
	if left > 0 {
		return c, nil
	}
	if c.ABPhase == ABSample {
		// The sample is out: the winner goes to the rest after the wait.
		return s.startABWait(ctx, c)
	}
	if c.Accepted+c.Invalid > 0 {
		return s.transitionLoaded(ctx, c, StatusCompleted, "engine", "")
	}
	var batches, done int64
	err = s.conn(ctx).Raw(`SELECT count(*), count(*) FILTER (WHERE status = 'done') FROM batches WHERE campaign_id = ?`, campaignID).Row().Scan(&batches, &done)
	if err != nil {
		return c, fmt.Errorf("models: batches of campaign %d: %w", campaignID, err)
	}
	if c.Recipients == 0 && done > 0 {
		// A broadcast: the provider resolved the audience and took the
		// request; its report says the rest.
		return s.transitionLoaded(ctx, c, StatusCompleted, "engine", "")
	}
	if batches == 0 {
		return s.transitionWhy(ctx, c, StatusFailed, "engine", Reason{Code: ReasonNoRecipients, Text: "the audience matched no recipient"})
	}
	r, err := s.noDeliveryReason(ctx, c)
	if err != nil {
		return c, err
	}
	return s.transitionWhy(ctx, c, StatusFailed, "engine", r)
}

// noDeliveryReason says why nothing was delivered: the most frequent
// failure (for a broadcast, the refused request's error).
func (s *Store) noDeliveryReason(ctx context.Context, c Campaign) (Reason, error) {
	var top []FailureCount
	err := s.conn(ctx).Raw(`SELECT status, code, message, n FROM campaign_failures WHERE campaign_id = ? ORDER BY n DESC, code LIMIT 1`, c.ID).Scan(&top).Error
	if err != nil {
		return Reason{}, fmt.Errorf("models: failures of campaign %d: %w", c.ID, err)
	}
	var code, msg string
	if len(top) > 0 {
		code, msg = top[0].Code, top[0].Message
	} else {
		var last []Batch
		err := s.conn(ctx).Where("campaign_id = ? AND status = 'failed'", c.ID).Order("updated_at DESC").Limit(1).Find(&last).Error
		if err != nil {
			return Reason{}, fmt.Errorf("models: failed batches of campaign %d: %w", c.ID, err)
		}
		if len(last) > 0 {
			code, msg = last[0].LastCode, last[0].LastError
		}
	}
	text := fmt.Sprintf("no recipient could be delivered: %d of %d failed", c.Failed, c.Recipients)
	if c.Recipients == 0 {
		text = "no recipient could be delivered: the provider refused the request"
	}
	if code != "" || msg != "" {
		text += fmt.Sprintf(" (%s: %s)", code, msg)
	}
	return Reason{Code: ReasonNoDelivery, Text: text,
		Data: map[string]any{"Failed": c.Failed, "Recipients": c.Recipients, "Code": code, "Message": msg}}, nil
}

// Retries is what a campaign's batches waiting for another attempt look
// like: how many, the provider's last error and when the next attempt is
// due (the earliest of them; in the past while one is being sent).
type Retries struct {
	Batches       int64
	Code          string
	Message       string
	At            time.Time
	NextAttemptAt time.Time
}

// CampaignRetries reads the campaign's retrying batches from the read
// pool: pending batches that already failed an attempt. Batches is 0 when
// none is retrying.
func (s *Store) CampaignRetries(ctx context.Context, id int64) (Retries, error) {
	var r Retries
	const retrying = "campaign_id = ? AND status = 'pending' AND last_error_at IS NOT NULL"
	if err := s.read(ctx).Model(&Batch{}).Where(retrying, id).Count(&r.Batches).Error; err != nil {
		return r, fmt.Errorf("models: retrying batches of campaign %d: %w", id, err)
	}
	if r.Batches == 0 {
		return r, nil
	}
	var last, next []Batch
	if err := s.read(ctx).Select("last_code", "last_error", "last_error_at").Where(retrying, id).Order("last_error_at DESC").Limit(1).Find(&last).Error; err != nil {
		return r, fmt.Errorf("models: last error of campaign %d: %w", id, err)
	}
	if err := s.read(ctx).Select("next_attempt_at").Where(retrying, id).Order("next_attempt_at").Limit(1).Find(&next).Error; err != nil {
		return r, fmt.Errorf("models: next attempt of campaign %d: %w", id, err)
	}
	if len(last) == 0 || len(next) == 0 || last[0].LastErrorAt == nil {
		return Retries{}, nil // they ended between the queries
	}
	r.Code, r.Message, r.At, r.NextAttemptAt = last[0].LastCode, last[0].LastError, *last[0].LastErrorAt, next[0].NextAttemptAt
	return r, nil
}

// RetryingByAccount counts, per provider account, the batches of its
// sending campaigns that wait for another attempt after an error (the
// provider page's sign that an account is in trouble now, not only that
// its last call failed).
func (s *Store) RetryingByAccount(ctx context.Context) (map[int64]int64, error) {
	var rows []struct {
		ProviderID int64
		N          int64
	}
	err := s.read(ctx).Raw(`SELECT c.provider_id, count(*) AS n FROM batches b JOIN campaigns c ON c.id = b.campaign_id
		WHERE b.status = 'pending' AND b.last_error_at IS NOT NULL AND c.status = ? GROUP BY c.provider_id`, StatusSending).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: retrying batches by account: %w", err)
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.ProviderID] = r.N
	}
	return out, nil
}
