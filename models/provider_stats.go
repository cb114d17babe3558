package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// GroupSnapshot is one poll of a provider's task-group report (GeTui
// /report/push/task_group) on one account.
type GroupSnapshot struct {
	ID         int64
	ProviderID int64
	GroupName  string
	TakenAt    time.Time
	// Channels are the report's lines as the poller stored them.
	Channels json.RawMessage `gorm:"type:text"`
	Error    string
}

// PollState says how current a stored figure is: the newest poll failed
// (Stale), and if so with what and when. The figures themselves are those
// of the newest successful poll.
type PollState struct {
	Stale       bool
	LastError   string
	LastErrorAt *time.Time
}

// GroupReportState is a task group's newest provider figures on one
// account. Good.ID is 0 when no poll has succeeded yet.
type GroupReportState struct {
	ProviderID int64
	Good       GroupSnapshot
	PollState
}

// GroupKey is a task group on one account.
type GroupKey struct {
	ProviderID int64
	GroupName  string
}

// SaveGroupSnapshot stores a poll of a group report: its lines, or its
// error (channels nil), which leaves the previous figures current but
// stale.
func (s *Store) SaveGroupSnapshot(ctx context.Context, providerID int64, group string, channels json.RawMessage, pollErr string) error {
	if channels == nil {
		channels = json.RawMessage(`[]`)
	}
	snap := GroupSnapshot{ProviderID: providerID, GroupName: group, TakenAt: s.now(), Channels: channels, Error: truncate(pollErr, 500)}
	defer s.lockWrite()()
	if err := s.conn(ctx).Create(&snap).Error; err != nil {
		return fmt.Errorf("models: snapshot of group %q on provider %d: %w", group, providerID, err)
	}
	return nil
}

// LatestGroupSnapshots returns, for each account that polled the group,
// ordered by account, the newest successful snapshot and whether a newer
// poll failed.
func (s *Store) LatestGroupSnapshots(ctx context.Context, group string) ([]GroupReportState, error) {
	// Two small grouped lookups on the (group_name, provider_id, id) index:
	// the newest poll of each account, and its newest successful one.
	var last, good []GroupSnapshot
	err := s.read(ctx).Raw(`SELECT g.* FROM group_snapshots g JOIN (
		SELECT provider_id, MAX(id) AS id FROM group_snapshots WHERE group_name = ? GROUP BY provider_id
	) m ON m.id = g.id ORDER BY g.provider_id`, group).Scan(&last).Error
	if err != nil {
		return nil, fmt.Errorf("models: latest snapshots of group %q: %w", group, err)
	}
	err = s.read(ctx).Raw(`SELECT g.* FROM group_snapshots g JOIN (
		SELECT provider_id, MAX(id) AS id FROM group_snapshots WHERE group_name = ? AND error = '' GROUP BY provider_id
	) m ON m.id = g.id`, group).Scan(&good).Error
	if err != nil {
		return nil, fmt.Errorf("models: latest good snapshots of group %q: %w", group, err)
	}
	byProvider := make(map[int64]GroupSnapshot, len(good))
	for _, g := range good {
		byProvider[g.ProviderID] = g
	}
	out := make([]GroupReportState, 0, len(last))
	for _, l := range last {
		out = append(out, GroupReportState{ProviderID: l.ProviderID, Good: byProvider[l.ProviderID], PollState: pollState(l.Error, l.TakenAt)})
	}
	return out, nil
}

func pollState(lastErr string, at time.Time) PollState {
	if lastErr == "" {
		return PollState{}
	}
	return PollState{Stale: true, LastError: lastErr, LastErrorAt: &at}
}

// GroupsToPoll lists the task groups, per account, of campaigns started
// since the given time that pushed something (a batch with a provider
// task id), whatever their state now: a cancelled campaign's pushes are
// in its group's report too.
func (s *Store) GroupsToPoll(ctx context.Context, since time.Time) ([]GroupKey, error) {
	var out []GroupKey
	err := s.read(ctx).Raw(`SELECT DISTINCT provider_id, group_name FROM campaigns
		WHERE group_name <> '' AND started_at >= ?
		AND EXISTS (SELECT 1 FROM batches b WHERE b.campaign_id = campaigns.id AND b.task_id <> '')
		ORDER BY provider_id, group_name`, since).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: groups to poll: %w", err)
	}
	return out, nil
}

// LastGroupPoll returns when the group's report was last polled on the
// account, failed polls included; ok is false when never.
func (s *Store) LastGroupPoll(ctx context.Context, providerID int64, group string) (at time.Time, ok bool, err error) {
	var g []GroupSnapshot
	if err := s.read(ctx).Where("group_name = ? AND provider_id = ?", group, providerID).Order("id DESC").Limit(1).Find(&g).Error; err != nil {
		return time.Time{}, false, fmt.Errorf("models: last poll of group %q on provider %d: %w", group, providerID, err)
	}
	if len(g) == 0 {
		return time.Time{}, false, nil
	}
	return g[0].TakenAt, true, nil
}

// AccountStat is one poll of a provider's per-app daily figure (WeCom
// message/get_statistics) for one account.
type AccountStat struct {
	ID         int64
	ProviderID int64
	// Day is 0 for today, 1 for yesterday, as asked; StatDate the
	// calendar date (yyyy-mm-dd) that meant in the provider's time zone.
	Day      int
	StatDate string
	TakenAt  time.Time
	AgentID  int64
	AppName  string
	// Count is the app's successful person-times of the day, all its
	// messages together.
	Count int64
	Error string
}

// AccountDayStat is an account's newest figure for one day (0 today, 1
// yesterday). Good.ID is 0 when no poll of that day has succeeded yet.
type AccountDayStat struct {
	Day  int
	Good AccountStat
	PollState
}

// SaveAccountStat stores a poll of an account's daily figure, taken now; a
// failed poll has Error set and leaves the previous figure current but
// stale.
func (s *Store) SaveAccountStat(ctx context.Context, st AccountStat) error {
	if st.Day != 0 && st.Day != 1 {
		return fmt.Errorf("models: account stat of provider %d: day %d is neither 0 (today) nor 1 (yesterday)", st.ProviderID, st.Day)
	}
	st.ID, st.TakenAt, st.Error = 0, s.now(), truncate(st.Error, 500)
	defer s.lockWrite()()
	if err := s.conn(ctx).Create(&st).Error; err != nil {
		return fmt.Errorf("models: account stat of provider %d: %w", st.ProviderID, err)
	}
	return nil
}

// LatestAccountStats returns the account's newest figures for today and
// yesterday, in that order (each with a zero Good when never polled).
func (s *Store) LatestAccountStats(ctx context.Context, providerID int64) ([]AccountDayStat, error) {
	out := make([]AccountDayStat, 0, 2)
	for day := range 2 {
		d := AccountDayStat{Day: day}
		var last, good []AccountStat
		q := s.read(ctx).Where("provider_id = ? AND day = ?", providerID, day)
		if err := q.Order("id DESC").Limit(1).Find(&last).Error; err != nil {
			return nil, fmt.Errorf("models: account stats of provider %d: %w", providerID, err)
		}
		if len(last) > 0 && last[0].Error != "" {
			d.PollState = pollState(last[0].Error, last[0].TakenAt)
			if err := s.read(ctx).Where("provider_id = ? AND day = ? AND error = ''", providerID, day).Order("id DESC").Limit(1).Find(&good).Error; err != nil {
				return nil, fmt.Errorf("models: account stats of provider %d: %w", providerID, err)
			}
		} else {
			good = last
		}
		if len(good) > 0 {
			d.Good = good[0]
		}
		out = append(out, d)
	}
	return out, nil
}

// AccountsToPoll lists the accounts with a campaign started since the
// given time that pushed something.
func (s *Store) AccountsToPoll(ctx context.Context, since time.Time) ([]int64, error) {
	var out []int64
	err := s.read(ctx).Raw(`SELECT DISTINCT provider_id FROM campaigns
		WHERE started_at >= ?
		AND EXISTS (SELECT 1 FROM batches b WHERE b.campaign_id = campaigns.id AND b.task_id <> '')
		ORDER BY provider_id`, since).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: accounts to poll: %w", err)
	}
	return out, nil
}

// LastAccountPoll returns when the account's daily figures were last
// polled, failed polls included; ok is false when never.
func (s *Store) LastAccountPoll(ctx context.Context, providerID int64) (at time.Time, ok bool, err error) {
	var st []AccountStat
	if err := s.read(ctx).Where("provider_id = ?", providerID).Order("id DESC").Limit(1).Find(&st).Error; err != nil {
		return time.Time{}, false, fmt.Errorf("models: last stats poll of provider %d: %w", providerID, err)
	}
	if len(st) == 0 {
		return time.Time{}, false, nil
	}
	return st[0].TakenAt, true, nil
}
