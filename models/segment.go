package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Segment is a saved, named condition tree. It is not tied to an account:
// it is counted and sent on whichever account a campaign uses.
type Segment struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Tree        Node      `json:"tree" gorm:"serializer:json"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// SegmentInput is what a segment is created or replaced from. Tree is
// raw JSON, validated strictly by ParseTree.
type SegmentInput struct {
	Name        string
	Description string
	Tree        json.RawMessage
	Actor       string
}

func (in *SegmentInput) validate() (Node, error) {
	v := &ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	switch {
	case in.Name == "":
		v.Add("name", "err.required", nil)
	case !utf8.ValidString(in.Name):
		v.Add("name", "err.audience_utf8", nil)
	case utf8.RuneCountInString(in.Name) > 100:
		v.Add("name", "err.too_long", map[string]any{"Max": 100})
	}
	if utf8.RuneCountInString(in.Description) > 500 {
		v.Add("description", "err.too_long", map[string]any{"Max": 500})
	}
	tree, err := ParseTree(in.Tree, "tree")
	if ve, ok := err.(*ValidationError); ok {
		for k, fe := range ve.Fields {
			v.Add(k, fe.ID, fe.Data)
		}
	}
	return tree, v.Err()
}

// CreateSegment stores a new segment. A taken name is a field error.
func (s *Store) CreateSegment(ctx context.Context, in SegmentInput) (Segment, error) {
	tree, err := in.validate()
	if err != nil {
		return Segment{}, err
	}
	defer s.lockWrite()()
	now := s.now()
	sg := Segment{Name: in.Name, Description: in.Description, Tree: tree, CreatedBy: in.Actor, CreatedAt: now, UpdatedAt: now}
	if err := s.conn(ctx).Create(&sg).Error; err != nil {
		return Segment{}, segmentWriteErr(err, in.Name)
	}
	return sg, nil
}

// UpdateSegment replaces a segment's name, description and tree.
func (s *Store) UpdateSegment(ctx context.Context, id int64, in SegmentInput) (Segment, error) {
	tree, err := in.validate()
	if err != nil {
		return Segment{}, err
	}
	tb, err := json.Marshal(tree)
	if err != nil {
		return Segment{}, fmt.Errorf("models: encode segment tree: %w", err)
	}
	unlock := s.lockWrite()
	res := s.conn(ctx).Model(&Segment{}).Where("id = ?", id).
		Updates(map[string]any{"name": in.Name, "description": in.Description, "tree": string(tb), "updated_at": s.now()})
	unlock()
	if res.Error != nil {
		return Segment{}, segmentWriteErr(res.Error, in.Name)
	}
	if res.RowsAffected == 0 {
		return Segment{}, fmt.Errorf("models: update segment %d: %w", id, ErrNotFound)
	}
	return s.SegmentByID(ctx, id)
}

func segmentWriteErr(err error, name string) error {
	if isConflict(notFound(err, "")) {
		v := &ValidationError{}
		v.Add("name", "err.name_taken", nil)
		return v
	}
	return fmt.Errorf("models: save segment %q: %w", name, err)
}

// SegmentByID loads a segment.
func (s *Store) SegmentByID(ctx context.Context, id int64) (Segment, error) {
	var sg Segment
	if err := s.conn(ctx).First(&sg, id).Error; err != nil {
		return Segment{}, notFound(err, fmt.Sprintf("segment %d", id))
	}
	return sg, nil
}

// ListSegments returns every segment by name (segments are few: they are
// written by people).
func (s *Store) ListSegments(ctx context.Context) ([]Segment, error) {
	var out []Segment
	if err := s.conn(ctx).Order("name").Limit(1000).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: list segments: %w", err)
	}
	return out, nil
}

// DeleteSegment removes a segment. A segment still targeted by a campaign
// that has not finished is kept: ErrConflict.
func (s *Store) DeleteSegment(ctx context.Context, id int64) error {
	return s.WithTx(ctx, func(tx *Store) error {
		var n int64
		err := tx.conn(ctx).Raw(`SELECT COUNT(*) FROM campaigns c JOIN campaign_audiences a ON a.campaign_id = c.id
WHERE c.status IN ('draft', 'scheduled', 'sending', 'paused') AND c.audience_kind = 'segment'
  AND `+tx.dialect.firstAudienceValue+` = ?`, fmt.Sprint(id)).Scan(&n).Error
		if err != nil {
			return fmt.Errorf("models: segment %d in use: %w", id, err)
		}
		if n > 0 {
			return fmt.Errorf("models: delete segment %d used by %d campaigns: %w", id, n, ErrConflict)
		}
		res := tx.conn(ctx).Delete(&Segment{}, id)
		if res.Error != nil {
			return fmt.Errorf("models: delete segment %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("models: delete segment %d: %w", id, ErrNotFound)
		}
		return nil
	})
}
