package models

import (
	"context"
	"encoding/json"
	"fmt"
)

// A personalized batch goes out as several requests, each with its own
// provider task. batches.task_id keeps one of them; batch_tasks keeps
// every one (BatchResult.TaskIDs), written with the batch's outcome, so a
// campaign's report sums the figures of all its recipients.

// MaxTaskPage bounds one page of CampaignTaskPage.
const MaxTaskPage = 10000

// writeBatchTasks stores the task ids of a batch sent as several requests
// and drops the journal of its parts (batch_parts.go), in the transaction
// that records its outcome.
func (s *Store) writeBatchTasks(ctx context.Context, b Batch, res BatchResult) error {
	if len(res.TaskIDs) > 0 {
		ids, err := json.Marshal(res.TaskIDs)
		if err != nil {
			return fmt.Errorf("models: encode task ids of batch %d: %w", b.ID, err)
		}
		_, err = s.rawExec(ctx, `INSERT INTO batch_tasks (campaign_id, task_id, batch_id)
			SELECT DISTINCT CAST(? AS BIGINT), j.value, CAST(? AS BIGINT) FROM `+s.dialect.eachText("?", "j")+` WHERE j.value <> ''
			ON CONFLICT (campaign_id, task_id, batch_id) DO NOTHING`, b.CampaignID, b.ID, string(ids))
		if err != nil {
			return fmt.Errorf("models: task ids of batch %d: %w", b.ID, err)
		}
	}
	// A batch that ends failed may have journaled parts before it failed
	// (the engine says Journaled only when it settles the parts itself);
	// failures are few, so looking costs the hot path nothing.
	if res.Journaled || res.Final != "" {
		if _, err := s.rawExec(ctx, `DELETE FROM batch_parts WHERE batch_id = ?`, b.ID); err != nil {
			return fmt.Errorf("models: drop the parts of batch %d: %w", b.ID, err)
		}
	}
	return nil
}

// CampaignTaskIDs lists every provider task id a campaign's batches
// produced, in task-id order. A campaign of many personalized batches can
// have one per recipient: the poller reads them a page at a time
// (CampaignTaskPage).
func (s *Store) CampaignTaskIDs(ctx context.Context, id int64) ([]string, error) {
	var out []string
	after := ""
	for {
		page, err := s.CampaignTaskPage(ctx, id, after, MaxTaskPage)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < MaxTaskPage {
			return out, nil
		}
		after = page[len(page)-1]
	}
}

// CampaignTaskPage lists up to n of a campaign's task ids after the
// cursor, in task-id order (byte order on both stores), without repeats:
// the batches' own and the ones of their parts.
func (s *Store) CampaignTaskPage(ctx context.Context, id int64, after string, n int) ([]string, error) {
	n = min(max(n, 1), MaxTaskPage)
	rows, err := s.read(rowContext(ctx)).Raw(`SELECT task_id FROM batches WHERE campaign_id = ? AND task_id > ?
		UNION SELECT task_id FROM batch_tasks WHERE campaign_id = ? AND task_id > ?
		ORDER BY 1 LIMIT ?`, id, after, id, after, n).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: task ids of campaign %d: %w", id, err)
	}
	defer rows.Close()
	out := make([]string, 0, min(n, 1024))
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("models: task ids of campaign %d: %w", id, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: task ids of campaign %d: %w", id, err)
	}
	return out, nil
}

// VariantTaskPage is CampaignTaskPage for the batches of one variant of
// an A/B campaign.
func (s *Store) VariantTaskPage(ctx context.Context, id int64, variant int, after string, n int) ([]string, error) {
	n = min(max(n, 1), MaxTaskPage)
	rows, err := s.read(rowContext(ctx)).Raw(`SELECT task_id FROM batches WHERE campaign_id = ? AND variant = ? AND task_id > ?
		UNION SELECT t.task_id FROM batch_tasks t JOIN batches b ON b.id = t.batch_id WHERE t.campaign_id = ? AND b.variant = ? AND t.task_id > ?
		ORDER BY 1 LIMIT ?`, id, variant, after, id, variant, after, n).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: task ids of campaign %d variant %d: %w", id, variant, err)
	}
	defer rows.Close()
	out := make([]string, 0, min(n, 1024))
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("models: task ids of campaign %d variant %d: %w", id, variant, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: task ids of campaign %d variant %d: %w", id, variant, err)
	}
	return out, nil
}
