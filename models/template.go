package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Limits of saved templates: a name fits a list row, a message is far
// above any provider's payload (a few KB) yet bounds what a row holds, and
// the count keeps the templates page and its select one screen of choices.
const (
	MaxTemplateNameBytes    = 100
	MaxTemplateMessageBytes = 64 << 10
	MaxTemplates            = 1000
)

// Template is a saved message for one provider kind. Message is a JSON
// providers.Message (the campaign body's `message`, options included); the
// store keeps it opaque, the engine validates it for Kind.
type Template struct {
	ID        int64
	Name      string
	Kind      string
	Message   json.RawMessage `gorm:"type:text"`
	CreatedBy string
	UpdatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	// UsedBy is how many campaigns were started from it (set by the list
	// and TemplateByID; not a column).
	UsedBy int64 `gorm:"->;-:migration"`
}

// TemplateInput is what CreateTemplate and UpdateTemplate store. The
// message's own rules (its kind's) are checked by the caller first.
type TemplateInput struct {
	Name    string
	Kind    string
	Message json.RawMessage
	Actor   string
}

// Validate checks what the store itself requires and trims the name.
func (in *TemplateInput) Validate() error {
	v := &ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		v.Add("name", "err.required", nil)
	case len(in.Name) > MaxTemplateNameBytes:
		v.Add("name", "err.too_long_bytes", map[string]any{"Max": MaxTemplateNameBytes})
	}
	switch {
	case in.Kind == "":
		v.Add("kind", "err.required", nil)
	case !kindName(in.Kind):
		v.Add("kind", "err.choice", nil)
	}
	switch {
	case len(in.Message) == 0:
		v.Add("message", "err.required", nil)
	case len(in.Message) > MaxTemplateMessageBytes:
		v.Add("message", "err.too_long_bytes", map[string]any{"Max": MaxTemplateMessageBytes})
	}
	return v.Err()
}

// nameTaken is the 422 of a second template with a name in use.
func nameTaken() error {
	v := &ValidationError{}
	v.Add("name", "err.name_taken", nil)
	return v
}

// CreateTemplate stores a template; a used name or the 1,000th template
// is a *ValidationError.
func (s *Store) CreateTemplate(ctx context.Context, in TemplateInput) (Template, error) {
	if err := in.Validate(); err != nil {
		return Template{}, err
	}
	now := s.now()
	t := Template{Name: in.Name, Kind: in.Kind, Message: in.Message, CreatedBy: in.Actor, UpdatedBy: in.Actor, CreatedAt: now, UpdatedAt: now}
	err := s.WithTx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.conn(ctx).Model(&Template{}).Count(&n).Error; err != nil {
			return fmt.Errorf("models: count templates: %w", err)
		}
		if n >= MaxTemplates {
			v := &ValidationError{}
			v.Add("name", "templates.err_too_many", map[string]any{"Max": MaxTemplates})
			return v
		}
		if err := tx.conn(ctx).Omit("UsedBy").Create(&t).Error; err != nil {
			if isConflict(notFound(err, "")) {
				return nameTaken()
			}
			return fmt.Errorf("models: create template %q: %w", in.Name, err)
		}
		return nil
	})
	return t, err
}

// UpdateTemplate replaces a template's name, kind and message.
func (s *Store) UpdateTemplate(ctx context.Context, id int64, in TemplateInput) (Template, error) {
	if err := in.Validate(); err != nil {
		return Template{}, err
	}
	res := s.conn(ctx).Model(&Template{}).Where("id = ?", id).Updates(map[string]any{
		"name": in.Name, "kind": in.Kind, "message": in.Message, "updated_by": in.Actor, "updated_at": s.now(),
	})
	if err := res.Error; err != nil {
		if isConflict(notFound(err, "")) {
			return Template{}, nameTaken()
		}
		return Template{}, fmt.Errorf("models: update template %d: %w", id, err)
	}
	if res.RowsAffected == 0 {
		return Template{}, fmt.Errorf("models: template %d: %w", id, ErrNotFound)
	}
	return s.TemplateByID(ctx, id)
}

// DeleteTemplate removes a template; its campaigns keep their message and
// lose the link (ON DELETE SET NULL).
func (s *Store) DeleteTemplate(ctx context.Context, id int64) error {
	res := s.conn(ctx).Delete(&Template{}, id)
	if res.Error != nil {
		return fmt.Errorf("models: delete template %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("models: template %d: %w", id, ErrNotFound)
	}
	return nil
}

// templateColumns selects a template with how many campaigns used it.
const templateColumns = `templates.*, (SELECT COUNT(*) FROM campaigns WHERE campaigns.template_id = templates.id) AS used_by`

// TemplateByID loads a template with its used-by count.
func (s *Store) TemplateByID(ctx context.Context, id int64) (Template, error) {
	var t Template
	if err := s.conn(ctx).Select(templateColumns).First(&t, id).Error; err != nil {
		return Template{}, notFound(err, fmt.Sprintf("template %d", id))
	}
	return t, nil
}

// TemplateFilter selects one keyset page of templates, by name.
type TemplateFilter struct {
	Kind string
	// After is the name of the last template of the previous page.
	After string
	Limit int
}

// ListTemplates returns a page ordered by name and the name to pass as
// After for the next one ("" on the last). Names are unique, so they key
// the page (never OFFSET).
func (s *Store) ListTemplates(ctx context.Context, f TemplateFilter) ([]Template, string, error) {
	limit := clampLimit(f.Limit)
	q := s.conn(ctx).Select(templateColumns).Order("name").Limit(limit + 1)
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.After != "" {
		q = q.Where("name > ?", f.After)
	}
	var ts []Template
	if err := q.Find(&ts).Error; err != nil {
		return nil, "", fmt.Errorf("models: list templates: %w", err)
	}
	next := ""
	if len(ts) > limit {
		ts = ts[:limit]
		next = ts[limit-1].Name
	}
	return ts, next, nil
}

// TemplateCampaigns returns up to limit campaigns started from a
// template, newest first (heads only: no audience).
func (s *Store) TemplateCampaigns(ctx context.Context, id int64, limit int) ([]Campaign, error) {
	var cs []Campaign
	err := s.conn(ctx).Where("template_id = ?", id).Order("id DESC").Limit(clampLimit(limit)).Find(&cs).Error
	for i := range cs {
		cs[i].Audience = Audience{Kind: cs[i].AudienceKind}
	}
	if err != nil {
		return nil, fmt.Errorf("models: campaigns of template %d: %w", id, err)
	}
	return cs, nil
}
