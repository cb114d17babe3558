package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ChannelFigures are one channel's funnel figures (a provider report line,
// or the engine's own figures). The names are part of the external contract.
type ChannelFigures struct {
	Channel   string `json:"channel"`
	Target    int64  `json:"target"`
	Sent      int64  `json:"sent"`
	Received  int64  `json:"received"`
	Displayed int64  `json:"displayed"`
	Clicked   int64  `json:"clicked"`
	// Invalid, Failed and Unsent are the engine's (FiguresOf): recipients
	// the provider said do not exist, sends that did not succeed, and
	// recipients a cancel left unsent.
	Invalid int64 `json:"invalid"`
	Failed  int64 `json:"failed"`
	Unsent  int64 `json:"unsent"`
}

// SnapshotPoint is one poll's totals, for the chart over time.
type SnapshotPoint struct {
	At        time.Time `json:"at"`
	Received  int64     `json:"received"`
	Displayed int64     `json:"displayed"`
	Clicked   int64     `json:"clicked"`
}

// SnapshotSeries returns the totals of a campaign's successful snapshots,
// oldest first, at most max points (evenly thinned).
func (s *Store) SnapshotSeries(ctx context.Context, campaignID int64, max int) ([]SnapshotPoint, error) {
	var snaps []ReportSnapshot
	if err := s.read(ctx).Where("campaign_id = ? AND error = ''", campaignID).Order("taken_at").Find(&snaps).Error; err != nil {
		return nil, fmt.Errorf("models: snapshots of campaign %d: %w", campaignID, err)
	}
	step := 1
	if max > 0 && len(snaps) > max {
		step = (len(snaps) + max - 1) / max
	}
	out := make([]SnapshotPoint, 0, len(snaps)/step+1)
	for i := 0; i < len(snaps); i += step {
		if i+step >= len(snaps) {
			i = len(snaps) - 1 // always end on the newest
		}
		var chs []ChannelFigures
		if err := json.Unmarshal(snaps[i].Channels, &chs); err != nil {
			return nil, fmt.Errorf("models: decode snapshot %d: %w", snaps[i].ID, err)
		}
		p := SnapshotPoint{At: snaps[i].TakenAt}
		for _, c := range chs {
			p.Received += c.Received
			p.Displayed += c.Displayed
			p.Clicked += c.Clicked
		}
		out = append(out, p)
	}
	return out, nil
}

// PeriodTotals are the dashboard's figures for one period.
type PeriodTotals struct {
	Campaigns int64
	Figures   Figures
}

// TotalsSince sums the campaigns started since each of since (newest
// first, so each period holds the one before it), in the vocabulary of
// FiguresOf: listed campaigns by their counters (the recipients a cancel
// left unsent apart from the failed), broadcasts by their newest provider
// report (target and sent), so both count. Each query reads the longest
// period once and sorts its campaigns into period buckets; the periods are
// the buckets' running sums.
func (s *Store) TotalsSince(ctx context.Context, since []time.Time) ([]PeriodTotals, error) {
	out := make([]PeriodTotals, len(since))
	if len(since) == 0 {
		return out, nil
	}
	bucket, bargs := periodBucket("c.started_at", since)
	oldest := since[len(since)-1]
	var listed []struct {
		B                                                         int
		Campaigns, Recipients, Pending, Accepted, Invalid, Failed int64
	}
	err := s.read(ctx).Raw(`SELECT `+bucket+` AS b, COUNT(*) AS campaigns, COALESCE(SUM(recipients), 0) AS recipients,
		COALESCE(SUM(pending), 0) AS pending, COALESCE(SUM(accepted), 0) AS accepted, COALESCE(SUM(invalid), 0) AS invalid,
		COALESCE(SUM(failed), 0) AS failed
		FROM campaigns c WHERE c.started_at >= ? GROUP BY b`, append(bargs, oldest)...).Scan(&listed).Error
	if err != nil {
		return nil, fmt.Errorf("models: totals since %v: %w", oldest, err)
	}
	var unsent []struct {
		B int
		N int64
	}
	err = s.read(ctx).Raw(`SELECT `+bucket+` AS b, COALESCE(SUM(f.n), 0) AS n FROM campaign_failures f JOIN campaigns c ON c.id = f.campaign_id
		WHERE c.started_at >= ? AND f.status = ? AND f.code = ? GROUP BY b`, append(bargs, oldest, DeliveryFailed, UnsentCode)...).Scan(&unsent).Error
	if err != nil {
		return nil, fmt.Errorf("models: unsent since %v: %w", oldest, err)
	}
	// A broadcast (no listed recipients) counts what its newest report says.
	var reports []struct {
		B            int
		Target, Sent int64
	}
	err = s.read(ctx).Raw(`SELECT m.b, COALESCE(SUM(`+s.dialect.jsonInt("j.value", "target")+`), 0) AS target, COALESCE(SUM(`+s.dialect.jsonInt("j.value", "sent")+`), 0) AS sent
		FROM (SELECT `+bucket+` AS b, MAX(r.id) AS id FROM report_snapshots r JOIN campaigns c ON c.id = r.campaign_id
			WHERE c.started_at >= ? AND c.recipients = 0 AND r.error = '' GROUP BY r.campaign_id, c.started_at) m
		JOIN report_snapshots r ON r.id = m.id, `+s.dialect.eachJSON("r.channels", "j")+` GROUP BY m.b`, append(bargs, oldest)...).Scan(&reports).Error
	if err != nil {
		return nil, fmt.Errorf("models: broadcast totals since %v: %w", oldest, err)
	}
	// Each bucket's figures, through the one function, then running sums.
	buckets := make([]PeriodTotals, len(since))
	for _, l := range listed {
		buckets[l.B].Campaigns += l.Campaigns
		t := Totals{Recipients: l.Recipients, Pending: l.Pending, Accepted: l.Accepted, Invalid: l.Invalid, Failed: l.Failed}
		var n int64
		for _, u := range unsent {
			if u.B == l.B {
				n = u.N
			}
		}
		buckets[l.B].Figures = buckets[l.B].Figures.Add(FiguresOf(t, n, nil))
	}
	for _, r := range reports {
		buckets[r.B].Figures = buckets[r.B].Figures.Add(FiguresOf(Totals{}, 0, &ChannelFigures{Target: r.Target, Sent: r.Sent}))
	}
	var run PeriodTotals
	for i, b := range buckets {
		run.Campaigns += b.Campaigns
		run.Figures = run.Figures.Add(b.Figures)
		out[i] = run
	}
	return out, nil
}

// periodBucket is a CASE expression numbering the period a time falls in:
// 0 for since[0] or later, 1 for since[1] up to since[0], and so on.
func periodBucket(col string, since []time.Time) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(since))
	b.WriteString("CASE")
	for i, t := range since[:len(since)-1] {
		fmt.Fprintf(&b, " WHEN %s >= ? THEN %d", col, i)
		args = append(args, t)
	}
	fmt.Fprintf(&b, " ELSE %d END", len(since)-1)
	return b.String(), args
}

// CampaignsByStatus lists up to limit campaigns in a state, ordered by
// schedule (scheduled) or id.
func (s *Store) CampaignsByStatus(ctx context.Context, st Status, limit int) ([]Campaign, error) {
	order := "id DESC"
	if st == StatusScheduled {
		order = "schedule_at"
	}
	var cs []Campaign
	if err := s.read(ctx).Where("status = ?", st).Order(order).Limit(clampLimit(limit)).Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: %s campaigns: %w", st, err)
	}
	for i := range cs {
		cs[i].Audience = Audience{Kind: cs[i].AudienceKind}
	}
	return cs, nil
}

// LatestSnapshots returns the newest successful snapshot of each campaign
// among ids (campaigns without one are absent).
func (s *Store) LatestSnapshots(ctx context.Context, ids []int64) (map[int64]ReportSnapshot, error) {
	out := map[int64]ReportSnapshot{}
	if len(ids) == 0 {
		return out, nil
	}
	var snaps []ReportSnapshot
	err := s.read(ctx).Raw(`SELECT r.* FROM report_snapshots r
		JOIN (SELECT campaign_id, MAX(id) AS id FROM report_snapshots WHERE error = '' AND campaign_id IN ? GROUP BY campaign_id) m ON m.id = r.id`, ids).
		Scan(&snaps).Error
	if err != nil {
		return nil, fmt.Errorf("models: latest snapshots: %w", err)
	}
	for _, sn := range snaps {
		out[sn.CampaignID] = sn
	}
	return out, nil
}

// StreamDeliveries calls fn with the campaign's deliveries (terminal rows
// and pending recipients) in recipient order, a page at a time, for the CSV
// export; memory stays constant whatever the campaign's size.
func (s *Store) StreamDeliveries(ctx context.Context, campaignID int64, status string, fn func([]Delivery) error) error {
	after := ""
	for {
		page, next, err := s.ListDeliveries(ctx, campaignID, DeliveryFilter{Status: status, After: after, Limit: 500})
		if err != nil {
			return err
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

// PruneDeliveries deletes up to limit delivery rows of campaigns that
// finished before cutoff, oldest campaigns first, and returns how many it
// deleted. Counters, failures by reason and snapshots stay, so history
// outlives the rows. Small calls keep each write transaction short.
//
// Every expired campaign that still holds rows is a candidate, and only
// those: campaigns whose rows are gone stay expired for ever, so a fixed
// number of the oldest expired campaigns would, once they were pruned,
// pick only empty ones and never reach the rest. The row limit alone
// bounds the transaction; the caller repeats while a call fills it.
func (s *Store) PruneDeliveries(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	defer s.lockWrite()()
	r := s.conn(ctx).Exec(`DELETE FROM deliveries WHERE (campaign_id, recipient) IN (
		SELECT d.campaign_id, d.recipient FROM deliveries d
		WHERE d.campaign_id IN (SELECT c.id FROM campaigns c WHERE c.finished_at IS NOT NULL AND c.finished_at < ?
			AND EXISTS (SELECT 1 FROM deliveries x WHERE x.campaign_id = c.id))
		LIMIT ?)`, cutoff, limit)
	if r.Error != nil {
		return 0, fmt.Errorf("models: prune deliveries: %w", r.Error)
	}
	return r.RowsAffected, nil
}
