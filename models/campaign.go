package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Audience is whom a campaign targets. Kind is all, tag, segment,
// conditions, alias or cid (the API's audience kinds).
//
// A cid or alias list holds up to a million values: a loaded campaign
// carries them in Values only when there are at most InlineValues of them;
// otherwise Values is empty and Stored says where they are. Count is how
// many values the audience lists (the loaded count; on input it is ignored).
type Audience struct {
	Kind   string          `json:"kind"`
	Count  int64           `json:"count,omitempty"`
	Values []string        `json:"values,omitempty"`
	Tree   json.RawMessage `json:"conditions,omitempty"`
	// IncludeInvalid keeps devices a provider answered invalid in an
	// audience the registry resolves (all, tag, segment, conditions);
	// explicit cid and alias lists are sent as given either way.
	IncludeInvalid bool `json:"include_invalid,omitempty"`
	// Stored, when set, holds the values instead of Values.
	Stored *StoredValues `json:"-"`
}

// Totals are a campaign's per-recipient counters. The names are part of the
// external contract.
type Totals struct {
	Recipients int64 `json:"recipients"`
	Pending    int64 `json:"pending"`
	Accepted   int64 `json:"accepted"`
	Invalid    int64 `json:"invalid"`
	Failed     int64 `json:"failed"`
}

// Campaign is a push campaign. Message and Options are JSON owned by the
// engine (providers.Message and dispatch options); the store keeps them opaque.
type Campaign struct {
	ID           int64
	Name         string
	ProviderID   int64
	GroupName    string
	Status       Status
	StatusReason string
	// StatusReasonCode and StatusReasonData say why the engine moved the
	// campaign (ReasonNoDelivery, ReasonErrorThreshold) and with which
	// figures (a JSON object), so pages can word it in any language;
	// StatusReason is the same in English.
	StatusReasonCode string
	StatusReasonData string
	AudienceKind     string
	// Audience is loaded from campaign_audiences by CampaignByID and
	// ListCampaigns (WithAudience); CampaignHead leaves it empty.
	Audience       Audience        `gorm:"-"`
	Message        json.RawMessage `gorm:"type:text"`
	Options        json.RawMessage `gorm:"type:text"`
	ScheduleAt     *time.Time
	Nonce          string
	IdempotencyKey *string
	// IdempotencyHash is the SHA-256 of the body that came with the key.
	IdempotencyHash string
	// TemplateID is the template the campaign was started from (nil when
	// none, or once that template is deleted).
	TemplateID *int64
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	Recipients int64
	Pending    int64
	Accepted   int64
	Invalid    int64
	Failed     int64
	// Planned is set once the whole audience is frozen into batches;
	// PlanCursor and PlanSeq are where a resumed planner continues.
	Planned    bool
	PlanCursor string
	PlanSeq    int
	// RecurringID and RunSlot are set on a run of a recurring definition:
	// which one, and the slot it was started for (unique together).
	RecurringID *int64
	RunSlot     *time.Time
	// Variants is the JSON list of the campaign's message variants
	// ({name, share, message}); empty for a campaign with one message.
	Variants string
	// The A/B test's progress (variant.go): its phase, the wait after the
	// sample, when the winner is due, the winner and who picked it.
	ABPhase       ABPhase    `gorm:"column:ab_phase"`
	ABWaitSeconds int        `gorm:"column:ab_wait_seconds"`
	ABDecideAt    *time.Time `gorm:"column:ab_decide_at"`
	ABWinner      *int       `gorm:"column:ab_winner"`
	ABDecidedBy   string     `gorm:"column:ab_decided_by"`
}

// Totals returns the counters in contract shape.
func (c Campaign) Totals() Totals {
	return Totals{Recipients: c.Recipients, Pending: c.Pending, Accepted: c.Accepted, Invalid: c.Invalid, Failed: c.Failed}
}

// NewCampaign is a validated draft ready to store.
type NewCampaign struct {
	Name        string
	ProviderID  int64
	GroupName   string
	Audience    Audience
	Message     json.RawMessage
	Options     json.RawMessage
	ScheduleAt  *time.Time
	Idempotency Idempotency
	TemplateID  *int64
	CreatedBy   string
	// RecurringID and RunSlot mark a run of a recurring definition.
	RecurringID *int64
	RunSlot     *time.Time
	// Variants is the JSON list of variants ("" for none).
	Variants string
}

// CreateCampaign stores a draft. With an idempotency key already used, it
// returns the campaign first created with it and created=false.
func (s *Store) CreateCampaign(ctx context.Context, in NewCampaign) (c Campaign, created bool, err error) {
	if in.Idempotency.Key != "" {
		prev, found, err := s.idempotentRepeat(ctx, in.Idempotency)
		if err != nil || found {
			return prev, false, err
		}
	}
	nonce, err := randomToken(6)
	if err != nil {
		return Campaign{}, false, err
	}
	now := s.now()
	c = Campaign{
		Name: in.Name, ProviderID: in.ProviderID, GroupName: in.GroupName, Status: StatusDraft,
		AudienceKind: in.Audience.Kind, Audience: in.Audience, Message: in.Message, Options: in.Options, ScheduleAt: in.ScheduleAt,
		Nonce: nonceChars(nonce), TemplateID: in.TemplateID, CreatedBy: in.CreatedBy, CreatedAt: now, UpdatedAt: now,
		RecurringID: in.RecurringID, RunSlot: in.RunSlot, Variants: in.Variants,
	}
	if c.Options == nil {
		c.Options = json.RawMessage(`{}`)
	}
	if k := in.Idempotency.stored(); k != "" {
		c.IdempotencyKey = &k
		c.IdempotencyHash = in.Idempotency.BodyHash
	}
	err = s.WithTx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(&c).Error; err != nil {
			return err
		}
		return tx.saveAudience(ctx, c.ID, &c.Audience)
	})
	var ve *ValidationError
	if errors.As(err, &ve) {
		return Campaign{}, false, ve
	}
	if err != nil {
		if isConflict(notFound(err, "")) && in.Idempotency.Key != "" {
			// A concurrent create with the same key won the race.
			if prev, found, err2 := s.idempotentRepeat(ctx, in.Idempotency); err2 != nil || found {
				return prev, false, err2
			}
		}
		return Campaign{}, false, fmt.Errorf("models: create campaign %q: %w", in.Name, err)
	}
	return c, true, nil
}

// nonceChars keeps only request-id-safe characters ([0-9A-Za-z]).
func nonceChars(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') {
			out = append(out, ch)
		}
	}
	for len(out) < 6 {
		out = append(out, 'x')
	}
	return string(out[:6])
}

// CampaignUpdate changes a draft's content. Nil fields are kept.
type CampaignUpdate struct {
	Name       *string
	ProviderID *int64
	GroupName  *string
	Audience   *Audience
	Message    json.RawMessage
	Options    json.RawMessage
	ScheduleAt **time.Time
	// Variants replaces the variant list ("" removes it).
	Variants *string
}

// UpdateDraft changes a campaign that is still a draft; otherwise ErrConflict.
func (s *Store) UpdateDraft(ctx context.Context, id int64, u CampaignUpdate) (Campaign, error) {
	var out Campaign
	err := s.WithTx(ctx, func(tx *Store) error {
		c, err := tx.CampaignByID(ctx, id)
		if err != nil {
			return err
		}
		if c.Status != StatusDraft {
			return &TransitionError{From: c.Status, To: StatusDraft}
		}
		if u.Name != nil {
			c.Name = *u.Name
		}
		if u.ProviderID != nil {
			c.ProviderID = *u.ProviderID
		}
		if u.GroupName != nil {
			c.GroupName = *u.GroupName
		}
		if u.Audience != nil {
			a := *u.Audience
			if a.Stored != nil && a.Stored.Campaign == c.ID && a.Kind == c.AudienceKind {
				a = c.Audience // the draft keeps its own stored list
			} else if err := tx.saveAudience(ctx, c.ID, &a); err != nil {
				return err
			}
			c.Audience, c.AudienceKind = a, a.Kind
		}
		if u.Message != nil {
			c.Message = u.Message
		}
		if u.Options != nil {
			c.Options = u.Options
		}
		if u.ScheduleAt != nil {
			c.ScheduleAt = *u.ScheduleAt
		}
		if u.Variants != nil {
			c.Variants = *u.Variants
		}
		c.UpdatedAt = tx.now()
		if err := tx.conn(ctx).Save(&c).Error; err != nil {
			return fmt.Errorf("models: update campaign %d: %w", id, err)
		}
		out = c
		return nil
	})
	return out, err
}

// CampaignByID loads a campaign with its audience.
func (s *Store) CampaignByID(ctx context.Context, id int64) (Campaign, error) {
	var c Campaign
	if err := s.conn(ctx).First(&c, id).Error; err != nil {
		return Campaign{}, notFound(err, fmt.Sprintf("campaign %d", id))
	}
	if err := s.loadAudiences(ctx, []*Campaign{&c}, true); err != nil {
		return Campaign{}, err
	}
	return c, nil
}

// CampaignHead loads a campaign without its audience, which for a listed
// audience holds up to a million values: the engine's hot paths need only
// the status and counters.
func (s *Store) CampaignHead(ctx context.Context, id int64) (Campaign, error) {
	var c Campaign
	if err := s.conn(ctx).First(&c, id).Error; err != nil {
		return Campaign{}, notFound(err, fmt.Sprintf("campaign %d", id))
	}
	return c, nil
}

// CampaignFilter selects one keyset page of campaigns, newest first.
type CampaignFilter struct {
	Status     Status
	ProviderID int64
	Group      string
	// After is the id of the last campaign of the previous page.
	After int64
	Limit int
	// WithAudience loads each campaign's audience as a summary (a cid or
	// alias list's count, not its values: a page of 500 campaigns would
	// otherwise carry up to 500,000 values);
	// pages that show only the kind leave it off.
	WithAudience bool
}

// ListCampaigns returns a page and the cursor of the next one (0 on the last).
// Keyset on id (never OFFSET) keeps every page as fast as the first.
func (s *Store) ListCampaigns(ctx context.Context, f CampaignFilter) ([]Campaign, int64, error) {
	limit := clampLimit(f.Limit)
	q := s.conn(ctx).Order("id DESC").Limit(limit + 1)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.ProviderID > 0 {
		q = q.Where("provider_id = ?", f.ProviderID)
	}
	if f.Group != "" {
		q = q.Where("group_name = ?", f.Group)
	}
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	var cs []Campaign
	if err := q.Find(&cs).Error; err != nil {
		return nil, 0, fmt.Errorf("models: list campaigns: %w", err)
	}
	var next int64
	if len(cs) > limit {
		cs = cs[:limit]
		next = cs[limit-1].ID
	}
	for i := range cs {
		cs[i].Audience = Audience{Kind: cs[i].AudienceKind}
	}
	if f.WithAudience {
		ptrs := make([]*Campaign, len(cs))
		for i := range cs {
			ptrs[i] = &cs[i]
		}
		if err := s.loadAudiences(ctx, ptrs, false); err != nil {
			return nil, 0, err
		}
	}
	return cs, next, nil
}

// DueScheduled returns scheduled campaigns whose time has come.
func (s *Store) DueScheduled(ctx context.Context, now time.Time) ([]Campaign, error) {
	var cs []Campaign
	err := s.conn(ctx).Where("status = ? AND schedule_at <= ?", StatusScheduled, now).Order("schedule_at").Limit(100).Find(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("models: due campaigns: %w", err)
	}
	for i := range cs {
		cs[i].Audience = Audience{Kind: cs[i].AudienceKind}
	}
	return cs, nil
}

// CountCampaignsByStatus returns how many campaigns are in each state.
func (s *Store) CountCampaignsByStatus(ctx context.Context) (map[Status]int64, error) {
	var rows []struct {
		Status Status
		N      int64
	}
	if err := s.conn(ctx).Model(&Campaign{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: count campaigns: %w", err)
	}
	out := map[Status]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// FailedRecipients returns up to limit recipients of a campaign whose
// delivery ended failed, in recipient order after the recipient after
// ("" for the first page): a keyset walk over the deliveries primary key
// (campaign_id, recipient), so a follow-up of a million failures streams in
// constant-cost pages. With unsent, it returns the recipients a cancel left
// unsent instead (failed with UnsentCode); otherwise it leaves them out.
func (s *Store) FailedRecipients(ctx context.Context, campaignID int64, after string, limit int, unsent bool) ([]string, error) {
	if limit <= 0 {
		limit = 1000
	}
	cond := "code <> ?"
	if unsent {
		cond = "code = ?"
	}
	var out []string
	err := s.conn(ctx).Raw(`SELECT recipient FROM deliveries WHERE campaign_id = ? AND recipient > ? AND status = 'failed' AND `+cond+` ORDER BY recipient LIMIT ?`,
		campaignID, after, UnsentCode, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: failed recipients of campaign %d: %w", campaignID, err)
	}
	return out, nil
}
