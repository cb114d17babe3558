package dispatch

import (
	"context"
	"errors"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// CreateCampaign validates a draft against its account and stores it. With
// an idempotency key already used it returns the first campaign and
// created=false.
func (e *Engine) CreateCampaign(ctx context.Context, d draft.Draft, actor string, idem models.Idempotency) (models.Campaign, bool, error) {
	if err := e.applyTemplate(ctx, &d); err != nil {
		return models.Campaign{}, false, err
	}
	if err := e.ValidateDraft(ctx, &d); err != nil {
		return models.Campaign{}, false, err
	}
	msg, opts, err := draft.Encode(d)
	if err != nil {
		return models.Campaign{}, false, err
	}
	vs, err := draft.EncodeVariants(d.Variants)
	if err != nil {
		return models.Campaign{}, false, err
	}
	return e.store.CreateCampaign(ctx, models.NewCampaign{
		Name: d.Name, ProviderID: d.ProviderID, GroupName: d.Group, Audience: d.Audience,
		Message: msg, Options: opts, ScheduleAt: d.ScheduleAt, Idempotency: idem, TemplateID: d.TemplateID, CreatedBy: actor,
		Variants: vs,
	})
}

// ValidateDraft checks a draft against its account (draft.Draft.Validate) and a
// segment or condition audience against the store. It normalises d in place
// (trimmed text, de-duplicated values) and returns a *models.ValidationError
// for bad input.
func (e *Engine) ValidateDraft(ctx context.Context, d *draft.Draft) error {
	acct, caps, err := e.accountCaps(ctx, d.ProviderID)
	if err != nil {
		return err
	}
	v := &models.ValidationError{}
	if err := d.Validate(acct, caps); err != nil && !errors.As(err, &v) {
		return err
	}
	_, badValues := v.Fields["audience.values"]
	_, badTree := v.Fields["audience.conditions"]
	if (d.Audience.Kind == "segment" && !badValues) || (d.Audience.Kind == "conditions" && !badTree) {
		a := d.Audience
		var ave *models.ValidationError
		if err := e.store.ValidateAudience(ctx, &a); errors.As(err, &ave) {
			for k, fe := range ave.Fields {
				v.Add(k, fe.ID, fe.Data)
			}
		} else if err != nil {
			return err
		}
	}
	return v.Err()
}

// UpdateDraft replaces a draft's content after validating it. A campaign
// that is no longer a draft is a *models.TransitionError (ErrConflict).
func (e *Engine) UpdateDraft(ctx context.Context, id int64, d draft.Draft) (models.Campaign, error) {
	c, err := e.store.CampaignByID(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Status != models.StatusDraft {
		return c, &models.TransitionError{From: c.Status, To: models.StatusDraft}
	}
	if err := e.ValidateDraft(ctx, &d); err != nil {
		return c, err
	}
	msg, opts, err := draft.Encode(d)
	if err != nil {
		return c, err
	}
	vs, err := draft.EncodeVariants(d.Variants)
	if err != nil {
		return c, err
	}
	sched := d.ScheduleAt
	return e.store.UpdateDraft(ctx, id, models.CampaignUpdate{Name: &d.Name, ProviderID: &d.ProviderID, GroupName: &d.Group,
		Audience: &d.Audience, Message: msg, Options: opts, ScheduleAt: &sched, Variants: &vs})
}

// accountCaps loads an account and its client's capabilities; an unknown
// account is a validation error on provider_id.
func (e *Engine) accountCaps(ctx context.Context, id int64) (models.ProviderAccount, providers.Capabilities, error) {
	acct, err := e.store.ProviderAccountByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		v := &models.ValidationError{}
		v.Add("provider_id", "err.provider_unknown", nil)
		return acct, providers.Capabilities{}, v
	}
	if err != nil {
		return acct, providers.Capabilities{}, err
	}
	p, err := e.clients.get(ctx, acct)
	if err != nil {
		return acct, providers.Capabilities{}, err
	}
	return acct, p.Capabilities(), nil
}
