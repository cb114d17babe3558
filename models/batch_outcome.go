package models

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

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
	// TaskIDs and Journaled are a personalized batch's (batch_tasks.go):
	// the tasks of all its requests, and whether its parts were journaled.
	TaskIDs   []string
	Journaled bool
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
//
// Where writers run in parallel (PostgreSQL) several of these
// transactions run at once, from this process's recorder lanes and from
// other instances, without the write lock; row locks keep them correct.
// Each batch's conditional UPDATE locks its row first, so a batch is
// recorded once (a racing transaction re-reads it and finds it no longer
// pending under its lease). The campaigns' rows come last, after every
// batch row — by the counters' UPDATE, which holds the campaign's row
// until the commit: the end check that follows sees every other
// recorder's batches either committed or still pending, and one whose
// batch is still pending runs its own check after this commit. Batches go
// in id order and campaigns in id order, as in CancelCampaign, so two such
// transactions never wait for each other in a circle; the delivery rows
// are written between, while only the group's own batches are locked, so
// recorders of one campaign write them side by side and queue only for
// the short counter update and the commit.
func (s *Store) CompleteBatches(ctx context.Context, done []Completion) (campaigns map[int64]Campaign, lost []Batch, err error) {
	// Sorting outcomes and encoding rows needs no database: it is done
	// before the write lock, so the other writers wait only for SQL.
	done = slices.Clone(done)
	slices.SortFunc(done, func(a, b Completion) int { return cmp.Compare(a.Batch.ID, b.Batch.ID) })
	settled := make([]settlement, len(done))
	for i, d := range done {
		if settled[i], err = settle(d.Batch, d.Result); err != nil {
			return nil, nil, err
		}
	}
	err = s.parallelTx(ctx, func(tx *Store) error {
		// A transaction the server aborted runs again from here.
		campaigns, lost = map[int64]Campaign{}, nil
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
			if st == BatchFailed {
				if err := tx.emitBatchFailed(ctx, b, res); err != nil {
					return err
				}
			}
			t, ok := deltas[b.CampaignID]
			if !ok {
				t = &Totals{}
				deltas[b.CampaignID] = t
			}
			if err := tx.writeSettlement(ctx, b, settled[i], t); err != nil {
				return err
			}
			if err := tx.writeBatchTasks(ctx, b, res); err != nil {
				return err
			}
		}
		// Every recipient of a batch was pending until now (a batch
		// completes once), so the counts are exactly the counters' deltas.
		for _, id := range slices.Sorted(maps.Keys(deltas)) {
			t := deltas[id]
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
	// invalid is a JSON array of [cid, reason] for the recipients the
	// provider answered invalid, "" for none: their devices are marked.
	invalid string
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
	var invalid [][2]string
	for _, r := range b.Recipients {
		o, ok := byRecipient[r]
		if ok {
			o.Status, o.Message = normalStatus(o.Status), truncate(o.Message, 500)
		} else {
			o = st.common
		}
		if o.Status == DeliveryInvalid {
			invalid = append(invalid, [2]string{r, invalidReason(o)})
		}
		if !ok || (o.Status == st.common.Status && o.Code == st.common.Code && o.Message == st.common.Message) {
			bulk = append(bulk, r)
			continue
		}
		count(o, 1)
		own = append(own, [4]string{r, o.Status, o.Code, o.Message})
	}
	if len(invalid) > 0 {
		p, err := json.Marshal(invalid)
		if err != nil {
			return st, fmt.Errorf("models: encode invalid recipients of batch %d: %w", b.ID, err)
		}
		st.invalid = string(p)
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
// On PostgreSQL the same one-parameter shape (jsonb_array_elements_text)
// was measured against unnest($n::text[]) and pgx's CopyFrom for 500-row
// batches, 20 batches a transaction: ≈224k–438k rows/s against ≈187k–374k
// and ≈152k–328k (two runs on a loaded 2-core machine): the JSON form stays.
func (s *Store) writeSettlement(ctx context.Context, b Batch, st settlement, t *Totals) error {
	if st.bulk != "" {
		_, err := s.rawExec(ctx, `INSERT INTO deliveries (campaign_id, recipient, batch_seq, status, code, message)
			SELECT ?, j.value, ?, ?, ?, ? FROM `+s.dialect.eachText("?", "j"), b.CampaignID, b.Seq, st.common.Status, st.common.Code, st.common.Message, st.bulk)
		if err != nil {
			return fmt.Errorf("models: outcomes of batch %d: %w", b.ID, err)
		}
	}
	if st.own != "" {
		_, err := s.rawExec(ctx, `INSERT INTO deliveries (campaign_id, recipient, batch_seq, status, code, message)
			SELECT ?, j.value ->> 0, ?, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM `+s.dialect.eachJSON("?", "j"), b.CampaignID, b.Seq, st.own)
		if err != nil {
			return fmt.Errorf("models: outcomes of batch %d: %w", b.ID, err)
		}
	}
	if st.invalid != "" {
		// The recipients of a listed audience are the account's cids; one
		// not in the registry matches no row, which is right: there is no
		// device to mark.
		_, err := s.rawExec(ctx, `UPDATE devices SET invalid_at = ?, invalid_reason = j.value ->> 1
			FROM `+s.dialect.eachJSON("?", "j")+`
			WHERE devices.provider_id = (SELECT provider_id FROM campaigns WHERE id = ?) AND devices.cid = j.value ->> 0`,
			s.dialect.deviceTime(s.now().Unix()), st.invalid, b.CampaignID)
		if err != nil {
			return fmt.Errorf("models: mark invalid devices of batch %d: %w", b.ID, err)
		}
		if err := s.emitDevicesInvalid(ctx, b.CampaignID, st.invalid); err != nil {
			return err
		}
	}
	for _, f := range st.failures {
		_, err := s.rawExec(ctx, `INSERT INTO campaign_failures (campaign_id, status, code, message, n) VALUES (?,?,?,?,?)
			ON CONFLICT (campaign_id, status, code) DO UPDATE SET n = campaign_failures.n + excluded.n, message = excluded.message`,
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

// maxInvalidReason bounds the reason kept on a device.
const maxInvalidReason = 200

// invalidReason is what a device keeps of the answer that marked it.
func invalidReason(o Outcome) string {
	switch {
	case o.Code == "":
		return truncate(o.Message, maxInvalidReason)
	case o.Message == "":
		return truncate(o.Code, maxInvalidReason)
	}
	return truncate(o.Code+": "+o.Message, maxInvalidReason)
}

// emitBatchFailed queues the batch.failed event of a batch whose
// recipients all ended failed or invalid, with the provider's answer.
func (s *Store) emitBatchFailed(ctx context.Context, b Batch, res BatchResult) error {
	return s.EmitWebhook(ctx, EventBatchFailed, map[string]any{"campaign_id": b.CampaignID, "batch": b.Seq,
		"recipients": len(b.Recipients), "status": normalStatus(res.Final), "code": res.Code, "message": truncate(res.Message, 500)})
}
