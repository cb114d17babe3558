package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Batch is one provider request's worth of a campaign. Its RequestID is
// fixed when the batch is written, before the first call, and reused on every
// retry so the provider's de-duplication makes a retry safe.
type Batch struct {
	ID         int64
	CampaignID int64
	Seq        int
	RequestID  string
	Target     json.RawMessage `gorm:"type:text"`
	// Recipients is the batch's slice of a listed audience, in key order,
	// kept in batch_recipients and loaded with the batch.
	Recipients     []string `gorm:"-"`
	FirstRecipient string
	LastRecipient  string
	Size           int
	Status         string
	Attempts       int
	LeaseOwner     string
	LeaseExpiresAt *time.Time
	NextAttemptAt  time.Time
	// FirstAttemptAt is when the batch was first claimed for sending (nil
	// before that), the start of a provider's de-duplication window.
	FirstAttemptAt *time.Time
	TaskID         string
	LastCode       string
	LastError      string
	LastErrorAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Batch states.
const (
	BatchPending   = "pending"
	BatchDone      = "done"
	BatchFailed    = "failed"
	BatchCancelled = "cancelled"
)

// Delivery is one recipient of a listed audience. RequestID and UpdatedAt
// come from its batch.
type Delivery struct {
	CampaignID int64     `json:"-"`
	Recipient  string    `json:"cid"`
	BatchSeq   int       `json:"-"`
	Status     string    `json:"status"`
	Code       string    `json:"code"`
	Message    string    `json:"message"`
	RequestID  string    `json:"request_id" gorm:"->"`
	UpdatedAt  time.Time `json:"updated_at" gorm:"->"`
}

// Delivery states (the contract's delivery status).
const (
	DeliveryPending  = "pending"
	DeliveryAccepted = "accepted"
	DeliveryInvalid  = "invalid"
	DeliveryFailed   = "failed"
)

// NewBatch is a batch to freeze: its target JSON and, for a listed
// audience, its recipients (de-duplicated, in key order).
type NewBatch struct {
	Target     json.RawMessage
	Recipients []string
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
			// The target is bound as bytes (a BLOB), as GORM writes a
			// json.RawMessage, so every batch row reads back alike.
			r, err := tx.rawExec(ctx, `INSERT INTO batches (campaign_id, seq, request_id, target, first_recipient, last_recipient, size, status, next_attempt_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
				c.ID, seq, RequestID(c.Nonce, c.ID, seq), []byte(nb.Target), first, last, len(nb.Recipients), now, now, now)
			if err != nil {
				return fmt.Errorf("models: add batch %d of campaign %d: %w", seq, c.ID, err)
			}
			if lists[i] != "" {
				id, err := r.LastInsertId()
				if err != nil {
					return fmt.Errorf("models: add batch %d of campaign %d: %w", seq, c.ID, err)
				}
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
	if err := s.conn(ctx).Where("planned = 0 AND status = ?", StatusSending).Order("id").Find(&cs).Error; err != nil {
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

// Outcome is the provider's answer for one recipient of a batch.
type Outcome struct {
	Recipient string
	Status    string
	Code      string
	Message   string
}

// BatchResult is how a leased batch ended. The batch's recipients get one
// delivery row each: their outcome, else Final, else accepted.
type BatchResult struct {
	TaskID   string
	Outcomes []Outcome
	// Final, when set, ends every still-pending recipient with this status
	// (failed or invalid) and Code/Message; otherwise they are accepted.
	Final   string
	Code    string
	Message string
}

// Completion is one leased batch's outcome, to record.
type Completion struct {
	Batch  Batch
	Result BatchResult
}

// CompleteBatch records one batch's outcome; see CompleteBatches. A lost
// lease returns ErrConflict.
func (s *Store) CompleteBatch(ctx context.Context, b Batch, res BatchResult) (Campaign, error) {
	cs, lost, err := s.CompleteBatches(ctx, []Completion{{Batch: b, Result: res}})
	if err != nil {
		return Campaign{}, err
	}
	if len(lost) > 0 {
		return Campaign{}, fmt.Errorf("models: complete batch %d: lease lost: %w", b.ID, ErrConflict)
	}
	return cs[b.CampaignID], nil
}

// CompleteBatches records outcomes of several batches in one transaction
// (group commit: the single SQLite writer pays one commit for many
// batches): per-recipient delivery rows, failures by reason, the campaigns'
// counters and the batches' states move together, and a campaign completes
// when its last batch is in. Batches whose lease was lost (another worker
// reclaimed them) are skipped and returned in lost. The campaigns touched
// are returned by id, as they are after the transaction.
func (s *Store) CompleteBatches(ctx context.Context, done []Completion) (campaigns map[int64]Campaign, lost []Batch, err error) {
	campaigns = map[int64]Campaign{}
	// Sorting outcomes and encoding rows needs no database: it is done
	// before the write lock, so the other writers wait only for SQL.
	settled := make([]settlement, len(done))
	for i, d := range done {
		if settled[i], err = settle(d.Batch, d.Result); err != nil {
			return nil, nil, err
		}
	}
	err = s.WithTx(ctx, func(tx *Store) error {
		now := tx.now()
		deltas := map[int64]*Totals{}
		for i, d := range done {
			b, res := d.Batch, d.Result
			st := BatchDone
			if res.Final != "" {
				st = BatchFailed
			}
			r, err := tx.rawExec(ctx, `UPDATE batches SET status = ?, task_id = ?, last_code = ?, last_error = ?, lease_owner = '', lease_expires_at = NULL, updated_at = ?
				WHERE id = ? AND status = 'pending' AND lease_owner = ?`, st, res.TaskID, res.Code, truncate(res.Message, 500), now, b.ID, b.LeaseOwner)
			if err != nil {
				return fmt.Errorf("models: complete batch %d: %w", b.ID, err)
			}
			if n, err := r.RowsAffected(); err != nil || n == 0 {
				lost = append(lost, b)
				continue
			}
			t, ok := deltas[b.CampaignID]
			if !ok {
				t = &Totals{}
				deltas[b.CampaignID] = t
			}
			if err := tx.writeSettlement(ctx, b, settled[i], t); err != nil {
				return err
			}
		}
		// Every recipient of a batch was pending until now (a batch
		// completes once), so the counts are exactly the counters' deltas.
		for id, t := range deltas {
			_, err := tx.rawExec(ctx, `UPDATE campaigns SET pending = pending - ?, accepted = accepted + ?, invalid = invalid + ?, failed = failed + ?, updated_at = ? WHERE id = ?`,
				t.Accepted+t.Invalid+t.Failed, t.Accepted, t.Invalid, t.Failed, now, id)
			if err != nil {
				return fmt.Errorf("models: campaign %d counters: %w", id, err)
			}
			c, err := tx.finishIfDone(ctx, id)
			if err != nil {
				return err
			}
			campaigns[id] = c
		}
		return nil
	})
	return campaigns, lost, err
}

// settlement is one batch's delivery rows and failure counts, ready to
// write: the recipients sharing the batch's outcome (accepted, or Final
// with its code and message) as one JSON array of cids, the few with an
// outcome of their own as JSON [cid, status, code, message] rows.
type settlement struct {
	common   Outcome
	bulk     string // JSON array of cids, "" for none
	own      string // JSON array of rows, "" for none
	counts   Totals
	failures []FailureCount
}

// settle sorts a batch's recipients into their terminal states.
func settle(b Batch, res BatchResult) (settlement, error) {
	byRecipient := make(map[string]Outcome, len(res.Outcomes))
	for _, o := range res.Outcomes {
		byRecipient[o.Recipient] = o
	}
	st := settlement{common: Outcome{Status: DeliveryAccepted}}
	if res.Final != "" {
		st.common = Outcome{Status: normalStatus(res.Final), Code: res.Code, Message: truncate(res.Message, 500)}
	}
	type failKey struct{ status, code string }
	fails := map[failKey]int{} // index in st.failures
	count := func(o Outcome, n int64) {
		switch o.Status {
		case DeliveryAccepted:
			st.counts.Accepted += n
			return
		case DeliveryInvalid:
			st.counts.Invalid += n
		default:
			st.counts.Failed += n
		}
		k := failKey{o.Status, o.Code}
		i, ok := fails[k]
		if !ok {
			i = len(st.failures)
			fails[k] = i
			st.failures = append(st.failures, FailureCount{Status: o.Status, Code: o.Code})
		}
		st.failures[i].N += n
		st.failures[i].Message = o.Message
	}
	bulk := make([]string, 0, len(b.Recipients))
	var own [][4]string
	for _, r := range b.Recipients {
		o, ok := byRecipient[r]
		if ok {
			o.Status, o.Message = normalStatus(o.Status), truncate(o.Message, 500)
		}
		if !ok || (o.Status == st.common.Status && o.Code == st.common.Code && o.Message == st.common.Message) {
			bulk = append(bulk, r)
			continue
		}
		count(o, 1)
		own = append(own, [4]string{r, o.Status, o.Code, o.Message})
	}
	if len(bulk) > 0 {
		count(st.common, int64(len(bulk)))
		p, err := json.Marshal(bulk)
		if err != nil {
			return st, fmt.Errorf("models: encode outcomes of batch %d: %w", b.ID, err)
		}
		st.bulk = string(p)
	}
	if len(own) > 0 {
		p, err := json.Marshal(own)
		if err != nil {
			return st, fmt.Errorf("models: encode outcomes of batch %d: %w", b.ID, err)
		}
		st.own = string(p)
	}
	return st, nil
}

// normalStatus maps an outcome status to a delivery row's terminal state:
// anything but accepted or invalid is a failure.
func normalStatus(st string) string {
	if st == DeliveryAccepted || st == DeliveryInvalid {
		return st
	}
	return DeliveryFailed
}

// writeSettlement writes one batch's delivery rows and failure counts and
// adds its outcome counts to t. The shared-outcome rows go in one
// statement whose only per-row input is the JSON array of cids that
// SQLite's json_each expands in key order (one parameter bind per batch
// instead of six per row: through cgo, binding was the largest cost of the
// engine's hot path after the B-tree inserts); the others in a second one.
// Every row is new: a batch completes once, under its lease, and its
// recipients were de-duplicated when it was frozen.
func (s *Store) writeSettlement(ctx context.Context, b Batch, st settlement, t *Totals) error {
	if st.bulk != "" {
		_, err := s.rawExec(ctx, `INSERT INTO deliveries (campaign_id, recipient, batch_seq, status, code, message)
			SELECT ?, j.value, ?, ?, ?, ? FROM json_each(?) AS j`, b.CampaignID, b.Seq, st.common.Status, st.common.Code, st.common.Message, st.bulk)
		if err != nil {
			return fmt.Errorf("models: outcomes of batch %d: %w", b.ID, err)
		}
	}
	if st.own != "" {
		_, err := s.rawExec(ctx, `INSERT INTO deliveries (campaign_id, recipient, batch_seq, status, code, message)
			SELECT ?, j.value ->> 0, ?, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM json_each(?) AS j`, b.CampaignID, b.Seq, st.own)
		if err != nil {
			return fmt.Errorf("models: outcomes of batch %d: %w", b.ID, err)
		}
	}
	for _, f := range st.failures {
		_, err := s.rawExec(ctx, `INSERT INTO campaign_failures (campaign_id, status, code, message, n) VALUES (?,?,?,?,?)
			ON CONFLICT (campaign_id, status, code) DO UPDATE SET n = n + excluded.n, message = excluded.message`,
			b.CampaignID, f.Status, f.Code, f.Message, f.N)
		if err != nil {
			return fmt.Errorf("models: failures of campaign %d: %w", b.CampaignID, err)
		}
	}
	t.Accepted += st.counts.Accepted
	t.Invalid += st.counts.Invalid
	t.Failed += st.counts.Failed
	return nil
}

// FailureCount is one line of "errors by reason".
type FailureCount struct {
	Status  string
	Code    string
	Message string
	N       int64
}

// CampaignFailures returns a campaign's failures by status and code, most
// frequent first.
func (s *Store) CampaignFailures(ctx context.Context, id int64) ([]FailureCount, error) {
	var out []FailureCount
	err := s.conn(ctx).Raw(`SELECT status, code, message, n FROM campaign_failures WHERE campaign_id = ? ORDER BY n DESC, code`, id).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: failures of campaign %d: %w", id, err)
	}
	return out, nil
}

// CampaignStatus reads a campaign's status from the read pool (workers
// check it before each call without waiting for the single writer).
func (s *Store) CampaignStatus(ctx context.Context, id int64) (Status, error) {
	var st []Status
	if err := s.read(ctx).Model(&Campaign{}).Where("id = ?", id).Pluck("status", &st).Error; err != nil {
		return "", fmt.Errorf("models: status of campaign %d: %w", id, err)
	}
	if len(st) == 0 {
		return "", fmt.Errorf("models: status of campaign %d: %w", id, ErrNotFound)
	}
	return st[0], nil
}

// ReleaseBatch gives back a leased batch that was not sent (its campaign
// stopped sending while it waited): free to claim at once, and the claim
// that leased it does not count as an attempt. A lost lease is not an
// error: whoever holds the batch now decides.
func (s *Store) ReleaseBatch(ctx context.Context, b Batch) error {
	defer s.lockWrite()()
	// A batch given back before its first request was never sent: its
	// de-duplication window has not started.
	_, err := s.rawExec(ctx, `UPDATE batches SET lease_owner = '', lease_expires_at = NULL, attempts = max(attempts - 1, 0), updated_at = ?,
		first_attempt_at = CASE WHEN attempts <= 1 THEN NULL ELSE first_attempt_at END
		WHERE id = ? AND status = 'pending' AND lease_owner = ?`, s.now(), b.ID, b.LeaseOwner)
	if err != nil {
		return fmt.Errorf("models: release batch %d: %w", b.ID, err)
	}
	return nil
}

// RetryBatch releases a batch for another attempt at next, keeping its
// request id, and keeps the provider's error and its time for the pages
// that show retrying batches. A lost lease returns ErrConflict.
func (s *Store) RetryBatch(ctx context.Context, b Batch, next time.Time, code, msg string) error {
	defer s.lockWrite()()
	now := s.now()
	r := s.conn(ctx).Exec(`UPDATE batches SET next_attempt_at = ?, last_code = ?, last_error = ?, last_error_at = ?, lease_owner = '', lease_expires_at = NULL, updated_at = ?
		WHERE id = ? AND status = 'pending' AND lease_owner = ?`, next, code, truncate(msg, 500), now, now, b.ID, b.LeaseOwner)
	if r.Error != nil {
		return fmt.Errorf("models: retry batch %d: %w", b.ID, r.Error)
	}
	if r.RowsAffected == 0 {
		return fmt.Errorf("models: retry batch %d: lease lost: %w", b.ID, ErrConflict)
	}
	return nil
}

// ExtendLease keeps a long-running batch leased.
func (s *Store) ExtendLease(ctx context.Context, b Batch, lease time.Duration) error {
	defer s.lockWrite()()
	r := s.conn(ctx).Exec(`UPDATE batches SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'pending'`, s.now().Add(lease), b.ID, b.LeaseOwner)
	if r.Error != nil {
		return fmt.Errorf("models: extend lease of batch %d: %w", b.ID, r.Error)
	}
	if r.RowsAffected == 0 {
		return fmt.Errorf("models: extend lease of batch %d: %w", b.ID, ErrConflict)
	}
	return nil
}

// CancelCampaign cancels a campaign and every batch not yet sent; their
// recipients end as failed with code "cancelled".
func (s *Store) CancelCampaign(ctx context.Context, id int64, actor, reason string) (Campaign, error) {
	var out Campaign
	err := s.WithTx(ctx, func(tx *Store) error {
		c, err := tx.CampaignByID(ctx, id)
		if err != nil {
			return err
		}
		if c, err = tx.transitionLoaded(ctx, c, StatusCancelled, actor, reason); err != nil {
			return err
		}
		var pending []Batch
		if err := tx.conn(ctx).Where("campaign_id = ? AND status = 'pending'", id).Order("seq").Find(&pending).Error; err != nil {
			return fmt.Errorf("models: pending batches of campaign %d: %w", id, err)
		}
		if err := tx.loadRecipients(ctx, pending); err != nil {
			return err
		}
		now := tx.now()
		var n int64
		for _, b := range pending {
			st, err := settle(b, BatchResult{Final: DeliveryFailed, Code: "cancelled", Message: "campaign cancelled"})
			if err != nil {
				return err
			}
			st.failures = nil // counted once for the whole campaign below
			if err := tx.writeSettlement(ctx, b, st, &Totals{}); err != nil {
				return err
			}
			n += int64(len(b.Recipients))
		}
		if err := tx.conn(ctx).Exec(`UPDATE batches SET status = 'cancelled', lease_owner = '', lease_expires_at = NULL, updated_at = ? WHERE campaign_id = ? AND status = 'pending'`, now, id).Error; err != nil {
			return fmt.Errorf("models: cancel batches of campaign %d: %w", id, err)
		}
		if n > 0 {
			err := tx.conn(ctx).Exec(`INSERT INTO campaign_failures (campaign_id, status, code, message, n) VALUES (?, 'failed', 'cancelled', 'campaign cancelled', ?)
				ON CONFLICT (campaign_id, status, code) DO UPDATE SET n = n + excluded.n`, id, n).Error
			if err != nil {
				return fmt.Errorf("models: cancel failures of campaign %d: %w", id, err)
			}
		}
		if err := tx.conn(ctx).Exec(`UPDATE campaigns SET pending = pending - ?, failed = failed + ?, planned = 1 WHERE id = ?`, n, n, id).Error; err != nil {
			return fmt.Errorf("models: cancel counters of campaign %d: %w", id, err)
		}
		out, err = tx.CampaignByID(ctx, id)
		return err
	})
	return out, err
}

// CampaignTaskIDs lists the provider task ids a campaign's batches produced.
func (s *Store) CampaignTaskIDs(ctx context.Context, id int64) ([]string, error) {
	var ids []string
	if err := s.conn(ctx).Model(&Batch{}).Where("campaign_id = ? AND task_id <> ''", id).Distinct().Pluck("task_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("models: task ids of campaign %d: %w", id, err)
	}
	return ids, nil
}

// DeliveryFilter selects one keyset page of a campaign's deliveries.
type DeliveryFilter struct {
	Status string
	After  string
	Limit  int
}

// ListDeliveries returns a page ordered by recipient and the cursor of the
// next page ("" on the last). Terminal rows come from deliveries; pending
// recipients from their batches, which the planner froze in key order, so
// both are sorted and a page is their merge.
func (s *Store) ListDeliveries(ctx context.Context, campaignID int64, f DeliveryFilter) ([]Delivery, string, error) {
	limit := clampLimit(f.Limit)
	var done, pend []Delivery
	if f.Status != DeliveryPending {
		var err error
		if done, err = s.terminalDeliveries(ctx, campaignID, f.Status, f.After, limit+1); err != nil {
			return nil, "", err
		}
	}
	if f.Status == "" || f.Status == DeliveryPending {
		var err error
		if pend, err = s.pendingDeliveries(ctx, campaignID, f.After, limit+1); err != nil {
			return nil, "", err
		}
	}
	out := make([]Delivery, 0, limit+1)
	for len(out) <= limit && (len(done) > 0 || len(pend) > 0) {
		if len(pend) == 0 || (len(done) > 0 && done[0].Recipient < pend[0].Recipient) {
			out, done = append(out, done[0]), done[1:]
		} else {
			out, pend = append(out, pend[0]), pend[1:]
		}
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Recipient
	}
	return out, next, nil
}

// terminalDeliveries reads up to n delivery rows after the cursor, from
// the read pool (pages and exports never queue behind the engine's writes)
// and scanned by hand: GORM's reflection was most of the cost of a
// million-row CSV export.
func (s *Store) terminalDeliveries(ctx context.Context, campaignID int64, status, after string, n int) ([]Delivery, error) {
	q := `SELECT d.recipient, d.batch_seq, d.status, d.code, d.message, b.request_id, b.updated_at
FROM deliveries d JOIN batches b ON b.campaign_id = d.campaign_id AND b.seq = d.batch_seq
WHERE d.campaign_id = ? AND d.recipient > ?`
	args := []any{campaignID, after}
	switch status {
	case "":
	case DeliveryAccepted:
		q += ` AND d.status = ?`
		args = append(args, status)
	default:
		// The literal term lets SQLite use the partial index of problems.
		q += ` AND d.status = ? AND d.status <> 'accepted'`
		args = append(args, status)
	}
	q += ` ORDER BY d.recipient LIMIT ?`
	args = append(args, n)
	rows, err := s.read(rowContext(ctx)).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: deliveries of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	out := make([]Delivery, 0, min(n, 1024))
	for rows.Next() {
		d := Delivery{CampaignID: campaignID}
		if err := rows.Scan(&d.Recipient, &d.BatchSeq, &d.Status, &d.Code, &d.Message, &d.RequestID, &d.UpdatedAt); err != nil {
			return nil, fmt.Errorf("models: deliveries of campaign %d: %w", campaignID, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: deliveries of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// pendingDeliveries lists up to n pending recipients after the cursor from
// the campaign's unsent batches.
func (s *Store) pendingDeliveries(ctx context.Context, campaignID int64, after string, n int) ([]Delivery, error) {
	var out []Delivery
	lastSeq := 0
	for len(out) < n {
		var bs []Batch
		err := s.read(ctx).Where("campaign_id = ? AND status = 'pending' AND last_recipient > ? AND seq > ?", campaignID, after, lastSeq).
			Order("seq").Limit(4).Find(&bs).Error
		if err != nil {
			return nil, fmt.Errorf("models: pending batches of campaign %d: %w", campaignID, err)
		}
		if len(bs) == 0 {
			break
		}
		if err := s.loadRecipients(ctx, bs); err != nil {
			return nil, err
		}
		for _, b := range bs {
			for _, r := range b.Recipients {
				if r > after && len(out) < n {
					out = append(out, Delivery{CampaignID: campaignID, Recipient: r, BatchSeq: b.Seq, Status: DeliveryPending, RequestID: b.RequestID, UpdatedAt: b.UpdatedAt})
				}
			}
			lastSeq = b.Seq
		}
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n-- // do not split a UTF-8 sequence
	}
	return s[:n]
}

// loadRecipients fills the batches' Recipients from batch_recipients.
func (s *Store) loadRecipients(ctx context.Context, bs []Batch) error {
	for i := range bs {
		var raw []string
		err := s.conn(ctx).Raw(`SELECT recipients FROM batch_recipients WHERE batch_id = ?`, bs[i].ID).Pluck("recipients", &raw).Error
		if err != nil {
			return fmt.Errorf("models: recipients of batch %d: %w", bs[i].ID, err)
		}
		bs[i].Recipients = nil
		if len(raw) == 1 {
			if bs[i].Recipients, err = decodeStringList(raw[0]); err != nil {
				return fmt.Errorf("models: recipients of batch %d: %w", bs[i].ID, err)
			}
		}
	}
	return nil
}

// PendingBatches counts batches waiting to be sent (the queue depth).
func (s *Store) PendingBatches(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&Batch{}).Where("status = 'pending'").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: pending batches: %w", err)
	}
	return n, nil
}

// ReleaseLeases frees the leases held by owner. An engine calls it when it
// starts: a lease with its own name is a leftover of its previous life
// (killed before it could record an outcome), so the batch is due again at
// once instead of after the lease runs out; it is resent with its same
// request id.
func (s *Store) ReleaseLeases(ctx context.Context, owner string) (int64, error) {
	r := s.conn(ctx).Exec(`UPDATE batches SET lease_owner = '', lease_expires_at = NULL WHERE lease_owner = ? AND status = 'pending'`, owner)
	if r.Error != nil {
		return 0, fmt.Errorf("models: release leases of %s: %w", owner, r.Error)
	}
	return r.RowsAffected, nil
}

// rawPrepare prepares a statement on the store's connection or transaction.
func (s *Store) rawPrepare(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := s.db.Statement.ConnPool.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return st, nil
}

// rawExec runs a statement on the store's connection or transaction
// directly through database/sql, bypassing GORM's statement builder: the
// hot-path multi-row statements carry over a thousand parameters, and GORM
// re-scans the SQL and boxes every one of them.
func (s *Store) rawExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := s.db.Statement.ConnPool.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	return res, nil
}
