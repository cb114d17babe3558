package models

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm"
)

// offerSQL lists a sending campaign's first due batches whose lease is
// free or expired: a range of the batches_pending index, so a claim never
// walks a big campaign's whole plan. The dialect's claimLock follows it.
const offerSQL = `SELECT id, size FROM batches
WHERE campaign_id = ? AND status = 'pending' AND next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at < ?)
ORDER BY seq LIMIT ?`

// leaseSQL leases the chosen batches, checking again that each is due and
// free, so two workers never hold the same batch.
const leaseSQL = `UPDATE batches SET lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?,
first_attempt_at = coalesce(first_attempt_at, ?)
WHERE id IN ? AND status = 'pending' AND next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at < ?)
RETURNING *`

// ClaimBatch leases the next due batch to owner, preferring the campaign
// after lastCampaign (round robin). ok is false when none is due.
func (s *Store) ClaimBatch(ctx context.Context, owner string, lease time.Duration, lastCampaign int64) (b Batch, ok bool, err error) {
	bs, err := s.ClaimBatches(ctx, owner, lease, lastCampaign, 1)
	if err != nil || len(bs) == 0 {
		return Batch{}, false, err
	}
	return bs[0], true, nil
}

// ClaimBatches leases up to n due batches of sending campaigns to owner.
// Campaigns take turns batch by batch — every campaign's first due batch,
// then every campaign's second … — starting with the first campaign after
// lastCampaign (wrapping around), so several campaigns sharing the engine
// and an account progress together even when one claim takes many
// batches. Within a campaign, batches go in number (= recipient key)
// order. The result is in that order.
func (s *Store) ClaimBatches(ctx context.Context, owner string, lease time.Duration, lastCampaign int64, n int) ([]Batch, error) {
	return s.ClaimAdmitted(ctx, owner, lease, lastCampaign, n, nil)
}

// AdmitFunc decides, in turn order, whether a claim takes a campaign's
// next offered batch (its id and recipient count); false leaves it and the
// campaign's later batches for another claim. It runs under the store's
// write lock, so it must not call the store.
type AdmitFunc func(campaignID, batchID int64, size int) bool

// offer is one due batch a claim may take.
type offer struct {
	ID   int64
	Size int
}

// ClaimAdmitted is ClaimBatches asking admit (when not nil) before each
// batch is chosen, so a caller pacing campaigns or accounts leases only
// batches it can send soon: a batch it cannot send stays free for others
// instead of waiting leased behind a pacer.
func (s *Store) ClaimAdmitted(ctx context.Context, owner string, lease time.Duration, lastCampaign int64, n int, admit AdmitFunc) ([]Batch, error) {
	// The lease UPDATE checks again that each chosen batch is due and
	// free, so claims need no lock of their own for correctness: on
	// SQLite the write lock only queues them behind the other writers. On
	// PostgreSQL a claim runs in a transaction that locks the batches it
	// is offered (FOR UPDATE SKIP LOCKED), so claims racing in this
	// process or in other instances take different batches instead of
	// waiting on one another's rows.
	if s.dialect.claimLock != "" && !s.inTx {
		var bs []Batch
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			bs, err = s.bound(tx).claim(ctx, owner, lease, lastCampaign, n, admit)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("models: claim batches: %w", err)
		}
		return bs, nil
	}
	defer s.lockSerialWrite()()
	return s.claim(ctx, owner, lease, lastCampaign, n, admit)
}

// claim is ClaimAdmitted's work, on s (the store, or a transaction).
func (s *Store) claim(ctx context.Context, owner string, lease time.Duration, lastCampaign int64, n int, admit AdmitFunc) ([]Batch, error) {
	now := s.now()
	var sending []int64
	if err := s.conn(ctx).Model(&Campaign{}).Where("status = ?", StatusSending).Order("id").Pluck("id", &sending).Error; err != nil {
		return nil, fmt.Errorf("models: claim batches: sending campaigns: %w", err)
	}
	// Rotation order: the campaigns after lastCampaign, then the others.
	i, _ := slices.BinarySearch(sending, lastCampaign+1)
	sending = append(sending[i:], sending[:i]...)
	type campaignOffers struct {
		id      int64
		offers  []offer
		refused bool
	}
	all := make([]campaignOffers, 0, len(sending))
	for _, id := range sending {
		var os []offer
		if err := s.conn(ctx).Raw(offerSQL+s.dialect.claimLock, id, now, now, n).Scan(&os).Error; err != nil {
			return nil, fmt.Errorf("models: claim batches of campaign %d: %w", id, err)
		}
		if len(os) > 0 {
			all = append(all, campaignOffers{id: id, offers: os})
		}
	}
	var chosen []int64
	for turn := 0; len(chosen) < n; turn++ {
		took := false
		for i := range all {
			c := &all[i]
			if turn >= len(c.offers) || c.refused || len(chosen) >= n {
				continue
			}
			if o := c.offers[turn]; admit == nil || admit(c.id, o.ID, o.Size) {
				chosen, took = append(chosen, o.ID), true
			} else {
				c.refused = true
			}
		}
		if !took {
			break
		}
	}
	if len(chosen) == 0 {
		return nil, nil
	}
	var bs []Batch
	if err := s.conn(ctx).Raw(leaseSQL, owner, now.Add(lease), now, now, chosen, now, now).Scan(&bs).Error; err != nil {
		return nil, fmt.Errorf("models: claim batches: %w", err)
	}
	bs = turnOrder(bs, lastCampaign)
	if err := s.loadRecipients(ctx, bs); err != nil {
		return nil, err
	}
	return bs, nil
}

// turnOrder puts claimed batches in the order claimSQL chose them
// (RETURNING has none): round-robin over their campaigns, starting after
// lastCampaign, each campaign's batches in number order.
func turnOrder(bs []Batch, lastCampaign int64) []Batch {
	sort.Slice(bs, func(i, j int) bool {
		if bs[i].CampaignID != bs[j].CampaignID {
			return bs[i].CampaignID < bs[j].CampaignID
		}
		return bs[i].Seq < bs[j].Seq
	})
	var queues [][]Batch // per campaign, in rotation order
	for i := 0; i < len(bs); {
		j := i
		for j < len(bs) && bs[j].CampaignID == bs[i].CampaignID {
			j++
		}
		queues = append(queues, bs[i:j])
		i = j
	}
	sort.SliceStable(queues, func(i, j int) bool {
		return queues[i][0].CampaignID > lastCampaign && queues[j][0].CampaignID <= lastCampaign
	})
	out := make([]Batch, 0, len(bs))
	for turn := 0; len(out) < len(bs); turn++ {
		for _, q := range queues {
			if turn < len(q) {
				out = append(out, q[turn])
			}
		}
	}
	return out
}
