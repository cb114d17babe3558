package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// recurringStore is what recurring campaigns need of the database; a
// definition's runs are ordinary campaigns (engineStore).
type recurringStore interface {
	CreateRecurring(ctx context.Context, r models.Recurring) (models.Recurring, error)
	// RecurringByID returns ErrNotFound for an unknown id.
	RecurringByID(ctx context.Context, id int64) (models.Recurring, error)
	DueRecurring(ctx context.Context, now time.Time) ([]models.Recurring, error)
	// UnstartedRuns lists runs still drafts (a stop between create and
	// start).
	UnstartedRuns(ctx context.Context) ([]models.Campaign, error)
	// AdvanceRecurring returns ErrConflict when the definition moved on
	// or the slot already has a run.
	AdvanceRecurring(ctx context.Context, id int64, expectNext time.Time, a models.RecurringAdvance) (models.Campaign, error)
	// SetRecurringStatus returns ErrConflict for an ended definition.
	SetRecurringStatus(ctx context.Context, id int64, status string, next *time.Time) (models.Recurring, error)
}

// Recurring is a recurring definition as the API and pages show it.
type Recurring struct {
	models.Recurring
	Draft draft.Draft
	Rule  RepeatRule
}

// RecurringOf decodes a stored definition's draft and rule.
func RecurringOf(r models.Recurring) (Recurring, error) {
	out := Recurring{Recurring: r}
	if err := json.Unmarshal(r.Draft, &out.Draft); err != nil {
		return out, fmt.Errorf("dispatch: decode draft of recurring %d: %w", r.ID, err)
	}
	if err := json.Unmarshal(r.Rule, &out.Rule); err != nil {
		return out, fmt.Errorf("dispatch: decode rule of recurring %d: %w", r.ID, err)
	}
	return out, nil
}

// CreateRecurring validates a draft and its repeat rule and stores the
// definition; its first run is the rule's first slot after now. A listed
// audience is kept with the definition, so it must be given inline (up to
// models.InlineValues values): larger audiences come through a tag or a
// segment, which every run resolves afresh.
func (e *Engine) CreateRecurring(ctx context.Context, d draft.Draft, rule RepeatRule, actor string) (models.Recurring, error) {
	d.ScheduleAt = nil
	v := &models.ValidationError{}
	if err := e.ValidateDraft(ctx, &d); err != nil && !errors.As(err, &v) {
		return models.Recurring{}, err
	}
	if d.Audience.Stored != nil {
		v.Add("audience.values", "err.too_many", map[string]any{"Max": models.InlineValues})
	}
	now := e.store.Now()
	rule.Validate(v, now)
	if err := v.Err(); err != nil {
		return models.Recurring{}, err
	}
	s, err := rule.Schedule()
	if err != nil {
		return models.Recurring{}, err
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return models.Recurring{}, fmt.Errorf("dispatch: encode recurring draft: %w", err)
	}
	rj, err := json.Marshal(rule)
	if err != nil {
		return models.Recurring{}, fmt.Errorf("dispatch: encode repeat rule: %w", err)
	}
	return e.store.CreateRecurring(ctx, models.Recurring{
		Name: d.Name, ProviderID: d.ProviderID, Draft: raw, Rule: rj, Timezone: rule.Timezone,
		EndsAt: rule.Until, MaxRuns: rule.Count, NextRunAt: rule.next(s, now), CreatedBy: actor,
	})
}

// PauseRecurring stops future runs; runs already started go on.
func (e *Engine) PauseRecurring(ctx context.Context, id int64) (models.Recurring, error) {
	r, err := e.store.RecurringByID(ctx, id)
	if err != nil {
		return r, err
	}
	return e.store.SetRecurringStatus(ctx, id, models.RecurringPaused, r.NextRunAt)
}

// ResumeRecurring restarts a paused definition at its next slot after now:
// slots that passed while it was paused are not made up.
func (e *Engine) ResumeRecurring(ctx context.Context, id int64) (models.Recurring, error) {
	r, err := e.store.RecurringByID(ctx, id)
	if err != nil {
		return r, err
	}
	def, err := RecurringOf(r)
	if err != nil {
		return r, err
	}
	s, err := def.Rule.Schedule()
	if err != nil {
		return r, err
	}
	next := def.Rule.next(s, e.store.Now())
	if next != nil && r.MaxRuns > 0 && r.Runs >= r.MaxRuns {
		next = nil
	}
	return e.store.SetRecurringStatus(ctx, id, models.RecurringActive, next)
}

// EndRecurring ends a definition for good; its runs stay.
func (e *Engine) EndRecurring(ctx context.Context, id int64) (models.Recurring, error) {
	return e.store.SetRecurringStatus(ctx, id, models.RecurringEnded, nil)
}

// recurringLoop starts due runs of recurring definitions. At start it first
// starts runs a previous process created but did not start.
func (e *Engine) recurringLoop(ctx context.Context) {
	if runs, err := e.store.UnstartedRuns(ctx); err != nil {
		e.log.Error("unstarted recurring runs", slog.Any("error", err))
	} else {
		for _, c := range runs {
			e.startRun(ctx, c)
		}
	}
	e.startRecurring(ctx)
	every(ctx, min(time.Second, 10*e.cfg.Idle), e.startRecurring)
}

func (e *Engine) startRecurring(ctx context.Context) {
	now := e.store.Now()
	due, err := e.store.DueRecurring(ctx, now)
	if err != nil {
		e.log.Error("due recurring campaigns", slog.Any("error", err))
		return
	}
	for _, r := range due {
		if err := e.runSlot(ctx, r, now); err != nil {
			e.log.Error("recurring run", slog.Int64("recurring", r.ID), slog.Any("error", err))
		}
	}
}

// runSlot starts one run for a due definition: for the latest slot at or
// before now, so a server that was down over several slots starts one run,
// not one per missed slot.
func (e *Engine) runSlot(ctx context.Context, r models.Recurring, now time.Time) error {
	def, err := RecurringOf(r)
	if err != nil {
		return err
	}
	s, err := def.Rule.Schedule()
	if err != nil {
		return err
	}
	slot := def.Rule.latestDue(s, *r.NextRunAt, now)
	adv := models.RecurringAdvance{Slot: slot, NextRunAt: def.Rule.next(s, now)}
	d := def.Draft
	d.Name = runName(d.Name, slot.In(def.Rule.Location()))
	var ve *models.ValidationError
	if err := e.ValidateDraft(ctx, &d); errors.As(err, &ve) {
		// The account was disabled or the segment deleted since: skip
		// this slot and say why on the definition.
		adv.Error = firstProblem(ve)
	} else if err != nil {
		return err
	} else {
		msg, opts, err := draft.Encode(d)
		if err != nil {
			return err
		}
		// A run carries the definition's variants: each run is a campaign
		// of its own, so it splits, samples and picks its winner afresh.
		vs, err := draft.EncodeVariants(d.Variants)
		if err != nil {
			return err
		}
		adv.Run = &models.NewCampaign{Name: d.Name, ProviderID: d.ProviderID, GroupName: d.Group, Audience: d.Audience,
			Message: msg, Options: opts, CreatedBy: r.CreatedBy, Variants: vs}
	}
	c, err := e.store.AdvanceRecurring(ctx, r.ID, *r.NextRunAt, adv)
	if errors.Is(err, models.ErrConflict) {
		return nil // paused, ended or advanced meanwhile
	}
	if err != nil {
		return err
	}
	if adv.Run == nil {
		e.log.Warn("recurring slot skipped", slog.Int64("recurring", r.ID), slog.String("reason", adv.Error))
		return nil
	}
	e.log.Info("recurring run created", slog.Int64("recurring", r.ID), slog.Int64("campaign", c.ID), slog.Time("slot", slot))
	e.startRun(ctx, c)
	return nil
}

// startRun sends a run. A run that cannot start stays a draft, visible in
// the definition's runs, for the operator to fix and send.
func (e *Engine) startRun(ctx context.Context, c models.Campaign) {
	c, err := e.store.CampaignByID(ctx, c.ID)
	if err == nil {
		_, err = e.start(ctx, c, "recurring")
	}
	if err != nil {
		e.log.Error("start recurring run", slog.Int64("campaign", c.ID), slog.Any("error", err))
	}
}

// runName is the definition's name with the slot's local time, within the
// campaign name limit.
func runName(name string, slot time.Time) string {
	suffix := " · " + slot.Format("2006-01-02 15:04")
	keep := draft.MaxNameRunes - utf8.RuneCountInString(suffix)
	if utf8.RuneCountInString(name) > keep {
		name = string([]rune(name)[:keep])
	}
	return strings.TrimSpace(name) + suffix
}

// firstProblem is "field: catalog id" of a validation error's first field.
func firstProblem(ve *models.ValidationError) string {
	best := ""
	for k := range ve.Fields {
		if best == "" || k < best {
			best = k
		}
	}
	return best + ": " + ve.Fields[best].ID
}
