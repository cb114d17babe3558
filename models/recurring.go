package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Recurring definition states.
const (
	RecurringActive = "active"
	RecurringPaused = "paused"
	RecurringEnded  = "ended"
)

// Recurring is a campaign that repeats: Draft is the composed campaign
// (owned by the engine, opaque here), Rule its repeat rule (also the
// engine's). NextRunAt is the next slot while active; nil once ended.
type Recurring struct {
	ID         int64
	Name       string
	ProviderID int64
	Draft      json.RawMessage `gorm:"type:text"`
	Rule       json.RawMessage `gorm:"type:text"`
	Timezone   string
	EndsAt     *time.Time
	MaxRuns    int
	Runs       int
	Status     string
	NextRunAt  *time.Time
	LastSlotAt *time.Time
	// LastError says why the last due slot could not start a run (the
	// account was disabled, the segment deleted); empty after a good run.
	LastError string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName maps Recurring to its table.
func (Recurring) TableName() string { return "recurring_campaigns" }

// CreateRecurring stores a definition; its ID is set on return.
func (s *Store) CreateRecurring(ctx context.Context, r Recurring) (Recurring, error) {
	defer s.lockWrite()()
	now := s.now()
	r.ID, r.CreatedAt, r.UpdatedAt = 0, now, now
	if r.Status == "" {
		r.Status = RecurringActive
	}
	if err := s.conn(ctx).Create(&r).Error; err != nil {
		return Recurring{}, notFound(err, fmt.Sprintf("create recurring %q", r.Name))
	}
	return r, nil
}

// RecurringByID loads one definition.
func (s *Store) RecurringByID(ctx context.Context, id int64) (Recurring, error) {
	var r Recurring
	if err := s.conn(ctx).First(&r, id).Error; err != nil {
		return r, notFound(err, fmt.Sprintf("recurring %d", id))
	}
	return r, nil
}

// ListRecurring lists definitions, newest first, in keyset pages: those
// with an id below after (0 = from the newest), at most limit.
func (s *Store) ListRecurring(ctx context.Context, after int64, limit int) ([]Recurring, error) {
	q := s.read(ctx).Order("id DESC").Limit(limit)
	if after > 0 {
		q = q.Where("id < ?", after)
	}
	var out []Recurring
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: list recurring: %w", err)
	}
	return out, nil
}

// DueRecurring lists active definitions whose next run is at or before now.
func (s *Store) DueRecurring(ctx context.Context, now time.Time) ([]Recurring, error) {
	var out []Recurring
	if err := s.conn(ctx).Where("status = ? AND next_run_at <= ?", RecurringActive, now).Order("next_run_at, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: due recurring: %w", err)
	}
	return out, nil
}

// RecurringRuns lists a definition's runs, newest slot first, at most limit.
func (s *Store) RecurringRuns(ctx context.Context, id int64, limit int) ([]Campaign, error) {
	var out []Campaign
	if err := s.read(ctx).Where("recurring_id = ?", id).Order("run_slot DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: runs of recurring %d: %w", id, err)
	}
	return out, nil
}

// UnstartedRuns lists runs of recurring definitions that are still drafts:
// a process stopped between creating a run and starting it.
func (s *Store) UnstartedRuns(ctx context.Context) ([]Campaign, error) {
	var out []Campaign
	if err := s.conn(ctx).Where("recurring_id IS NOT NULL AND status = ?", StatusDraft).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: unstarted recurring runs: %w", err)
	}
	return out, nil
}

// RecurringAdvance is what a due slot changes on its definition.
type RecurringAdvance struct {
	// Slot is the slot being started; NextRunAt the one after (nil ends
	// the definition).
	Slot      time.Time
	NextRunAt *time.Time
	// Run is the campaign to create for Slot; nil when the slot is skipped
	// (Error says why).
	Run   *NewCampaign
	Error string
}

// AdvanceRecurring moves a due definition past its slot and, with a Run,
// creates that slot's campaign in the same transaction. It checks that the
// definition is still active and still due at expectNext, so a definition
// paused or advanced meanwhile (another process, a restart) is left alone:
// then it returns ErrConflict, as it does when the slot already has a run
// (the unique key on definition and slot).
func (s *Store) AdvanceRecurring(ctx context.Context, id int64, expectNext time.Time, a RecurringAdvance) (Campaign, error) {
	var run Campaign
	err := s.WithTx(ctx, func(tx *Store) error {
		r, err := tx.RecurringByID(ctx, id)
		if err != nil {
			return err
		}
		if r.Status != RecurringActive || r.NextRunAt == nil || !r.NextRunAt.Equal(expectNext) {
			return fmt.Errorf("models: recurring %d moved on: %w", id, ErrConflict)
		}
		up := map[string]any{"next_run_at": a.NextRunAt, "last_slot_at": a.Slot, "last_error": a.Error, "updated_at": tx.now()}
		if a.Run != nil {
			in := *a.Run
			in.RecurringID, in.RunSlot = &id, &a.Slot
			c, _, err := tx.CreateCampaign(ctx, in)
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return fmt.Errorf("models: slot %s already has a run: %w", a.Slot.Format(time.RFC3339), ErrConflict)
			}
			if err != nil {
				return err
			}
			run = c
			up["runs"] = r.Runs + 1
			if r.MaxRuns > 0 && r.Runs+1 >= r.MaxRuns {
				up["next_run_at"] = nil
			}
		}
		if v, _ := up["next_run_at"].(*time.Time); v == nil {
			up["status"], up["next_run_at"] = RecurringEnded, nil
		}
		return tx.conn(ctx).Model(&Recurring{}).Where("id = ?", id).Updates(up).Error
	})
	if err != nil {
		return Campaign{}, fmt.Errorf("models: advance recurring %d: %w", id, err)
	}
	return run, nil
}

// SetRecurringStatus pauses, resumes (with the next slot from now) or ends
// a definition. An ended definition stays ended: ErrConflict.
func (s *Store) SetRecurringStatus(ctx context.Context, id int64, status string, next *time.Time) (Recurring, error) {
	var out Recurring
	err := s.WithTx(ctx, func(tx *Store) error {
		r, err := tx.RecurringByID(ctx, id)
		if err != nil {
			return err
		}
		if r.Status == RecurringEnded {
			return fmt.Errorf("models: recurring %d has ended: %w", id, ErrConflict)
		}
		r.Status, r.UpdatedAt = status, tx.now()
		if status == RecurringEnded || next == nil && status == RecurringActive {
			r.Status, r.NextRunAt = RecurringEnded, nil
		} else if status == RecurringActive {
			r.NextRunAt = next
		}
		out = r
		return tx.conn(ctx).Model(&Recurring{}).Where("id = ?", id).
			Updates(map[string]any{"status": r.Status, "next_run_at": r.NextRunAt, "updated_at": r.UpdatedAt}).Error
	})
	if err != nil {
		return out, fmt.Errorf("models: recurring %d to %s: %w", id, status, err)
	}
	return out, nil
}

// DeleteRecurring removes a definition; its runs stay, unlinked.
func (s *Store) DeleteRecurring(ctx context.Context, id int64) error {
	defer s.lockWrite()()
	res := s.conn(ctx).Delete(&Recurring{}, id)
	if res.Error != nil {
		return fmt.Errorf("models: delete recurring %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("models: delete recurring %d: %w", id, ErrNotFound)
	}
	return nil
}
