package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Errors of the follow-up actions.
var (
	// ErrNotFinished: resend-to-failed needs a completed, cancelled or
	// failed campaign. It wraps models.ErrConflict (409).
	ErrNotFinished = fmt.Errorf("dispatch: the campaign has not finished: %w", models.ErrConflict)
	// ErrNoFailed: no recipient of the campaign ended failed, so there is
	// nothing to resend.
	ErrNoFailed = errors.New("dispatch: no recipient ended failed")
)

// failedPage is how many failed recipients one keyset query reads.
const failedPage = 10_000

// DuplicateCampaign stores a new draft named name with the campaign's
// audience, message and options. The schedule is not copied: a copy is sent
// when its operator decides.
func (e *Engine) DuplicateCampaign(ctx context.Context, id int64, name, actor string) (models.Campaign, error) {
	c, err := e.store.CampaignByID(ctx, id)
	if err != nil {
		return c, err
	}
	d, err := draft.Of(c)
	if err != nil {
		return c, err
	}
	d.Name, d.ScheduleAt = clipRunes(name, draft.MaxNameRunes), nil
	out, _, err := e.CreateCampaign(ctx, d, actor, models.Idempotency{})
	return out, err
}

// ResendFailed stores a follow-up draft of a finished campaign whose
// audience is exactly the recipients that ended failed, with the same
// message and options. The recipients are client ids (kind cid), or aliases
// when the campaign sent an alias list natively (its deliveries are keyed by
// alias then). Recipients a cancel left unsent are not failures: they are
// left out, and ResendUnsent addresses them. It returns ErrNotFinished for a
// campaign still running and ErrNoFailed when nothing failed.
func (e *Engine) ResendFailed(ctx context.Context, id int64, name, actor string) (models.Campaign, error) {
	return e.followUp(ctx, id, name, actor, false)
}

// ResendUnsent is ResendFailed for the recipients a cancel left unsent.
func (e *Engine) ResendUnsent(ctx context.Context, id int64, name, actor string) (models.Campaign, error) {
	return e.followUp(ctx, id, name, actor, true)
}

func (e *Engine) followUp(ctx context.Context, id int64, name, actor string, unsent bool) (models.Campaign, error) {
	c, err := e.store.CampaignByID(ctx, id)
	if err != nil {
		return c, err
	}
	if !c.Status.Terminal() {
		return c, ErrNotFinished
	}
	d, err := draft.Of(c)
	if err != nil {
		return c, err
	}
	kind := "cid"
	if c.Audience.Kind == "alias" {
		_, caps, err := e.accountCaps(ctx, c.ProviderID)
		if err != nil {
			return c, err
		}
		if caps.Supports(providers.AudienceAlias) {
			kind = "alias"
		}
	}
	// The failed recipients (up to a million) are spooled into an upload a
	// page at a time and attached to the new draft inside the database.
	up, err := e.store.NewAudienceUpload(ctx)
	if err != nil {
		return c, err
	}
	defer func() {
		if derr := up.Discard(context.WithoutCancel(ctx)); derr != nil {
			e.log.Error("discard audience upload", slog.Int64("upload", up.ID), slog.Any("error", derr))
		}
	}()
	after := ""
	for {
		page, err := e.store.FailedRecipients(ctx, id, after, failedPage, unsent)
		if err != nil {
			return c, err
		}
		if err := up.Add(ctx, page); err != nil {
			return c, err
		}
		if up.Count() > draft.MaxListValues {
			v := &models.ValidationError{}
			v.Add("audience.values", "err.too_many", map[string]any{"Max": draft.MaxListValues})
			return c, v
		}
		if len(page) < failedPage {
			break
		}
		after = page[len(page)-1]
	}
	if up.Count() == 0 {
		return c, ErrNoFailed
	}
	d.Name, d.ScheduleAt = clipRunes(name, draft.MaxNameRunes), nil
	d.Audience = models.Audience{Kind: kind, Count: up.Count(), Stored: &models.StoredValues{Upload: up.ID}}
	out, _, err := e.CreateCampaign(ctx, d, actor, models.Idempotency{})
	return out, err
}

// clipRunes shortens s to at most n runes.
func clipRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
