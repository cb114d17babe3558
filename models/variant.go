package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ABPhase is where a test-first A/B campaign is.
type ABPhase string

// A/B phases. A campaign without a test-first stays in ABNone.
const (
	ABNone ABPhase = ""
	// ABSample: the sample is being planned or sent.
	ABSample ABPhase = "sample"
	// ABWait: the sample is out; the winner is due at ABDecideAt.
	ABWait ABPhase = "wait"
	// ABChoose: the wait is over and an operator picks the winner.
	ABChoose ABPhase = "choose"
	// ABRest: the winner goes (or went) to the rest of the audience; it
	// was chosen at ABDecideAt.
	ABRest ABPhase = "rest"
)

// StartABSample marks a test-first campaign's sample as started, with the
// wait that follows it; a campaign already past that keeps its phase.
func (s *Store) StartABSample(ctx context.Context, id int64, wait time.Duration) error {
	err := s.conn(ctx).Exec(`UPDATE campaigns SET ab_phase = ?, ab_wait_seconds = ?, updated_at = ? WHERE id = ? AND ab_phase = ''`,
		ABSample, int64(wait/time.Second), s.now(), id).Error
	if err != nil {
		return fmt.Errorf("models: start the sample of campaign %d: %w", id, err)
	}
	return nil
}

// startABWait ends a sample whose batches are all done: the winner is due
// after the stored wait. Called by finishIfDone in its transaction instead
// of completing the campaign.
func (s *Store) startABWait(ctx context.Context, c Campaign) (Campaign, error) {
	due := s.now().Add(time.Duration(c.ABWaitSeconds) * time.Second)
	err := s.conn(ctx).Exec(`UPDATE campaigns SET ab_phase = ?, ab_decide_at = ?, updated_at = ? WHERE id = ? AND ab_phase = ?`,
		ABWait, due, s.now(), c.ID, ABSample).Error
	if err != nil {
		return c, fmt.Errorf("models: start the wait of campaign %d: %w", c.ID, err)
	}
	c.ABPhase, c.ABDecideAt = ABWait, &due
	return c, nil
}

// ABWaitsOver lists sending campaigns whose A/B wait ended by now.
func (s *Store) ABWaitsOver(ctx context.Context, now time.Time) ([]Campaign, error) {
	var cs []Campaign
	// The literal phase lets SQLite use the partial index of waiting
	// campaigns: this runs every second.
	err := s.read(ctx).Where("ab_phase = 'wait' AND ab_decide_at <= ? AND status = ?", now, StatusSending).Order("id").Find(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("models: A/B waits over: %w", err)
	}
	return cs, nil
}

// AwaitWinner moves a campaign whose wait is over to the operator's
// choice. ErrConflict when it is no longer waiting.
func (s *Store) AwaitWinner(ctx context.Context, id int64) error {
	r := s.conn(ctx).Exec(`UPDATE campaigns SET ab_phase = ?, updated_at = ? WHERE id = ? AND ab_phase = ?`, ABChoose, s.now(), id, ABWait)
	if r.Error != nil {
		return fmt.Errorf("models: await the winner of campaign %d: %w", id, r.Error)
	}
	if r.RowsAffected == 0 {
		return fmt.Errorf("models: campaign %d is not waiting for a winner: %w", id, ErrConflict)
	}
	return nil
}

// ChooseWinner records the winning variant and reopens the campaign's plan
// for the rest of the audience, in one statement: only a campaign still
// waiting (or awaiting the operator) takes it, so a winner is chosen once.
// ab_decide_at becomes the moment of the choice: the rest's local times
// are the first ones after it, however often its plan resumes.
// ErrConflict otherwise.
func (s *Store) ChooseWinner(ctx context.Context, id int64, variant int, actor string) error {
	now := s.now()
	r := s.conn(ctx).Exec(`UPDATE campaigns SET ab_phase = ?, ab_winner = ?, ab_decided_by = ?, ab_decide_at = ?, planned = ?, plan_cursor = '', updated_at = ?
		WHERE id = ? AND ab_phase IN (?, ?) AND status IN (?, ?)`,
		ABRest, variant, actor, now, false, now, id, ABWait, ABChoose, StatusSending, StatusPaused)
	if r.Error != nil {
		return fmt.Errorf("models: choose the winner of campaign %d: %w", id, r.Error)
	}
	if r.RowsAffected == 0 {
		return fmt.Errorf("models: campaign %d takes no winner now: %w", id, ErrConflict)
	}
	return nil
}

// VariantSnapshot is one poll of a variant's provider figures.
type VariantSnapshot struct {
	ID         int64
	CampaignID int64
	Variant    int
	TakenAt    time.Time
	Channels   json.RawMessage `gorm:"type:text"`
	// Accepted is how many of the variant's recipients the provider had
	// accepted when the poll was taken.
	Accepted int64
	Error    string
}

// SaveVariantSnapshot stores one variant's figures with its accepted
// count, or the poll's error.
func (s *Store) SaveVariantSnapshot(ctx context.Context, campaignID int64, variant int, channels json.RawMessage, accepted int64, pollErr string) error {
	if channels == nil {
		channels = json.RawMessage(`[]`)
	}
	snap := VariantSnapshot{CampaignID: campaignID, Variant: variant, TakenAt: s.now(), Channels: channels, Accepted: accepted, Error: truncate(pollErr, 500)}
	if err := s.conn(ctx).Create(&snap).Error; err != nil {
		return fmt.Errorf("models: snapshot of campaign %d variant %d: %w", campaignID, variant, err)
	}
	return nil
}

// LatestVariantSnapshots returns each variant's newest successful
// snapshot, by variant.
func (s *Store) LatestVariantSnapshots(ctx context.Context, campaignID int64) (map[int]VariantSnapshot, error) {
	var snaps []VariantSnapshot
	err := s.conn(ctx).Raw(`SELECT * FROM variant_snapshots WHERE id IN
		(SELECT max(id) FROM variant_snapshots WHERE campaign_id = ? AND error = '' GROUP BY variant)`, campaignID).Scan(&snaps).Error
	if err != nil {
		return nil, fmt.Errorf("models: variant snapshots of campaign %d: %w", campaignID, err)
	}
	out := make(map[int]VariantSnapshot, len(snaps))
	for _, sn := range snaps {
		out[sn.Variant] = sn
	}
	return out, nil
}

// VariantTotals are one variant's recipients and their outcomes.
type VariantTotals struct {
	Variant    int
	Recipients int64
	Accepted   int64
	Invalid    int64
	Failed     int64
}

// CampaignVariantTotals counts each variant's recipients (its batches'
// sizes) and outcomes (its deliveries, through their batch), by variant.
func (s *Store) CampaignVariantTotals(ctx context.Context, id int64) (map[int]VariantTotals, error) {
	var sizes []VariantTotals
	// The read pool: the outcomes scan every delivery row of the campaign.
	if err := s.read(ctx).Raw(`SELECT variant, sum(size) AS recipients FROM batches WHERE campaign_id = ? GROUP BY variant`, id).Scan(&sizes).Error; err != nil {
		return nil, fmt.Errorf("models: variant sizes of campaign %d: %w", id, err)
	}
	out := make(map[int]VariantTotals, len(sizes))
	for _, v := range sizes {
		out[v.Variant] = v
	}
	var rows []struct {
		Variant int
		Status  string
		N       int64
	}
	err := s.read(ctx).Raw(`SELECT b.variant AS variant, d.status AS status, count(*) AS n
		FROM deliveries d JOIN batches b ON b.campaign_id = d.campaign_id AND b.seq = d.batch_seq
		WHERE d.campaign_id = ? GROUP BY b.variant, d.status`, id).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: variant outcomes of campaign %d: %w", id, err)
	}
	for _, r := range rows {
		v := out[r.Variant]
		v.Variant = r.Variant
		switch r.Status {
		case "accepted":
			v.Accepted = r.N
		case "invalid":
			v.Invalid = r.N
		case "failed":
			v.Failed = r.N
		}
		out[r.Variant] = v
	}
	return out, nil
}
