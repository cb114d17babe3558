package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// templateStore is what saved templates use.
type templateStore interface {
	// CreateTemplate and UpdateTemplate return *models.ValidationError
	// for a used name or past the store's limits.
	CreateTemplate(ctx context.Context, in models.TemplateInput) (models.Template, error)
	UpdateTemplate(ctx context.Context, id int64, in models.TemplateInput) (models.Template, error)
	// TemplateByID returns ErrNotFound for an unknown id.
	TemplateByID(ctx context.Context, id int64) (models.Template, error)
}

// TemplateDraft is a template's content as the API and the console send
// it: a name, a provider kind and a message for it.
type TemplateDraft struct {
	Name    string            `json:"name"`
	Kind    string            `json:"kind"`
	Message providers.Message `json:"message"`
}

// templateInput validates a template draft against its kind's rules (the
// rules a campaign's message meets) and encodes it for the store.
func (e *Engine) templateInput(d TemplateDraft, actor string) (models.TemplateInput, error) {
	in := models.TemplateInput{Name: d.Name, Kind: d.Kind, Actor: actor}
	v := &models.ValidationError{}
	if caps, ok := e.clients.reg.Capabilities(providers.Kind(d.Kind)); !ok {
		v.Add("kind", "err.choice", nil)
	} else if err := draft.ValidateMessage(&d.Message, providers.Kind(d.Kind), caps); err != nil && !errors.As(err, &v) {
		return in, err
	}
	msg, err := json.Marshal(d.Message)
	if err != nil {
		return in, fmt.Errorf("dispatch: encode template message: %w", err)
	}
	in.Message = msg
	// The store's own limits (name, size) join the message's problems.
	var sv *models.ValidationError
	if err := in.Validate(); errors.As(err, &sv) {
		for k, fe := range sv.Fields {
			v.Add(k, fe.ID, fe.Data)
		}
	}
	return in, v.Err()
}

// CreateTemplate validates and stores a template.
func (e *Engine) CreateTemplate(ctx context.Context, d TemplateDraft, actor string) (models.Template, error) {
	in, err := e.templateInput(d, actor)
	if err != nil {
		return models.Template{}, err
	}
	return e.store.CreateTemplate(ctx, in)
}

// UpdateTemplate validates and replaces a template's content.
func (e *Engine) UpdateTemplate(ctx context.Context, id int64, d TemplateDraft, actor string) (models.Template, error) {
	in, err := e.templateInput(d, actor)
	if err != nil {
		return models.Template{}, err
	}
	return e.store.UpdateTemplate(ctx, id, in)
}

// TemplateMessage decodes a stored template's message.
func TemplateMessage(t models.Template) (providers.Message, error) {
	var m providers.Message
	if err := json.Unmarshal(t.Message, &m); err != nil {
		return m, fmt.Errorf("dispatch: decode message of template %d: %w", t.ID, err)
	}
	return m, nil
}

// applyTemplate checks a draft's template against the account's kind
// and, when the draft gave no message of its own, takes the template's.
// A missing template or one of another kind is a 422 on template_id.
func (e *Engine) applyTemplate(ctx context.Context, d *draft.Draft) error {
	if d.TemplateID == nil {
		return nil
	}
	bad := func(id string) error {
		v := &models.ValidationError{}
		v.Add("template_id", id, nil)
		return v
	}
	t, err := e.store.TemplateByID(ctx, *d.TemplateID)
	if errors.Is(err, models.ErrNotFound) {
		return bad("templates.err_unknown")
	}
	if err != nil {
		return err
	}
	acct, err := e.store.ProviderAccountByID(ctx, d.ProviderID)
	if errors.Is(err, models.ErrNotFound) {
		return nil // Validate names provider_id
	}
	if err != nil {
		return err
	}
	if acct.Kind != t.Kind {
		return bad("templates.err_kind")
	}
	if !d.FromTemplate {
		return nil
	}
	if d.Message, err = TemplateMessage(t); err != nil {
		return err
	}
	return nil
}
