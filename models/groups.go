package models

import (
	"context"
	"fmt"
)

// TaskGroup is a task group (campaigns sharing a group name, for A/B
// comparison) as the groups list shows it.
type TaskGroup struct {
	Name      string
	Campaigns int64
	// LastID is the newest campaign's id.
	LastID int64
}

// TaskGroups lists the task groups, the most recently used first, at most
// limit of them. The partial index on group_name keeps this to the grouped
// campaigns.
func (s *Store) TaskGroups(ctx context.Context, limit int) ([]TaskGroup, error) {
	var rows []struct {
		Name      string
		Campaigns int64
		LastID    int64
	}
	err := s.read(ctx).Raw(`SELECT group_name AS name, COUNT(*) AS campaigns, MAX(id) AS last_id FROM campaigns
		WHERE group_name <> '' GROUP BY group_name ORDER BY last_id DESC LIMIT ?`, clampLimit(limit)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: task groups: %w", err)
	}
	out := make([]TaskGroup, 0, len(rows))
	for _, r := range rows {
		out = append(out, TaskGroup{Name: r.Name, Campaigns: r.Campaigns, LastID: r.LastID})
	}
	return out, nil
}
