package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// zoneChunk bounds the values of one zone look-up (SQLite's bound
// parameters).
const zoneChunk = 500

// DeviceZones maps the given cids (by = "cid") or aliases (by = "alias")
// of an account's devices to their time zones; devices without one, and
// values no device has, are absent.
func (s *Store) DeviceZones(ctx context.Context, providerID int64, by string, values []string) (map[string]string, error) {
	col := "cid"
	if by == "alias" {
		col = "alias"
	}
	out := map[string]string{}
	for part := range slices.Chunk(values, zoneChunk) {
		var rows []struct {
			Key      string
			Timezone string
		}
		err := s.read(ctx).Raw(`SELECT `+col+` AS key, timezone FROM devices WHERE provider_id = ? AND timezone <> '' AND `+col+` IN ?`, providerID, part).
			Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("models: zones of devices of account %d: %w", providerID, err)
		}
		for _, r := range rows {
			out[r.Key] = r.Timezone
		}
	}
	return out, nil
}

// DueHour is how much of a campaign is due in one hour (UTC).
type DueHour struct {
	Hour       time.Time
	Batches    int64
	Recipients int64
}

// CampaignDueHours sums a campaign's pending batches by the hour they are
// due, earliest first, at most limit hours.
func (s *Store) CampaignDueHours(ctx context.Context, campaignID int64, limit int) ([]DueHour, error) {
	// The hour as "2006-01-02 15" (UTC), which sorts as time does.
	var rows []struct {
		Hour       string
		Batches    int64
		Recipients int64
	}
	err := s.read(ctx).Raw(`SELECT `+s.dialect.utcHour("next_attempt_at")+` AS hour, count(*) AS batches, coalesce(sum(size), 0) AS recipients
FROM batches WHERE campaign_id = ? AND status = 'pending' GROUP BY hour ORDER BY hour LIMIT ?`, campaignID, limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: due hours of campaign %d: %w", campaignID, err)
	}
	out := make([]DueHour, 0, len(rows))
	for _, r := range rows {
		h, err := time.Parse("2006-01-02 15", strings.Replace(r.Hour, "T", " ", 1))
		if err != nil {
			return nil, fmt.Errorf("models: due hours of campaign %d: hour %q: %w", campaignID, r.Hour, err)
		}
		out = append(out, DueHour{Hour: h, Batches: r.Batches, Recipients: r.Recipients})
	}
	return out, nil
}

// SetQuietHours sets (or, with two empty strings, clears) an account's
// quiet hours; the caller has checked the HH:MM values.
func (s *Store) SetQuietHours(ctx context.Context, providerID int64, start, end string) (ProviderAccount, error) {
	unlock := s.lockWrite()
	res := s.conn(ctx).Model(&ProviderAccount{}).Where("id = ?", providerID).
		Updates(map[string]any{"quiet_start": start, "quiet_end": end, "updated_at": s.now()})
	unlock()
	if res.Error != nil {
		return ProviderAccount{}, fmt.Errorf("models: quiet hours of account %d: %w", providerID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ProviderAccount{}, fmt.Errorf("models: quiet hours of account %d: %w", providerID, ErrNotFound)
	}
	return s.ProviderAccountByID(ctx, providerID)
}
