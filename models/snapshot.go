package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ReportSnapshot is one poll of a provider's report for a campaign.
type ReportSnapshot struct {
	ID         int64
	CampaignID int64
	TakenAt    time.Time
	Channels   json.RawMessage `gorm:"type:text"`
	Error      string
}

// SaveSnapshot stores a poll's figures (or its error, keeping the figures of
// the previous snapshot as the current ones).
func (s *Store) SaveSnapshot(ctx context.Context, campaignID int64, channels json.RawMessage, pollErr string) error {
	if channels == nil {
		channels = json.RawMessage(`[]`)
	}
	snap := ReportSnapshot{CampaignID: campaignID, TakenAt: s.now(), Channels: channels, Error: truncate(pollErr, 500)}
	if err := s.conn(ctx).Create(&snap).Error; err != nil {
		return fmt.Errorf("models: snapshot of campaign %d: %w", campaignID, err)
	}
	return nil
}

// LatestSnapshot returns the newest successful snapshot, and whether the
// newest poll failed (the figures are stale). ErrNotFound when none exists.
func (s *Store) LatestSnapshot(ctx context.Context, campaignID int64) (snap ReportSnapshot, stale bool, err error) {
	var last ReportSnapshot
	if err := s.conn(ctx).Where("campaign_id = ?", campaignID).Order("id DESC").First(&last).Error; err != nil {
		return ReportSnapshot{}, false, notFound(err, "latest snapshot")
	}
	if last.Error == "" {
		return last, false, nil
	}
	if err := s.conn(ctx).Where("campaign_id = ? AND error = ''", campaignID).Order("id DESC").First(&snap).Error; err != nil {
		return ReportSnapshot{}, true, notFound(err, "latest good snapshot")
	}
	return snap, true, nil
}

// CampaignsToPoll lists campaigns started since the given time whose
// provider reports may still change.
func (s *Store) CampaignsToPoll(ctx context.Context, since time.Time) ([]Campaign, error) {
	var cs []Campaign
	err := s.conn(ctx).Where("started_at >= ? AND status IN ?", since, []Status{StatusSending, StatusPaused, StatusCompleted}).
		Where("EXISTS (SELECT 1 FROM batches b WHERE b.campaign_id = campaigns.id AND b.task_id <> '')").
		Order("id").Find(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("models: campaigns to poll: %w", err)
	}
	return cs, nil
}
