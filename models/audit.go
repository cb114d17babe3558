package models

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry records who did what and when. Detail never holds secrets.
type AuditEntry struct {
	ID        int64
	CreatedAt time.Time
	Actor     string
	Action    string
	Target    string
	Detail    string
	IP        string
}

// TableName keeps GORM on the migration's table name.
func (AuditEntry) TableName() string { return "audit_log" }

// Audit appends an entry.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	e.CreatedAt = s.now()
	if err := s.conn(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("models: audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditFilter selects audit entries: newest first, before the id After.
type AuditFilter struct {
	Action string
	Actor  string
	After  int64
	Limit  int
}

// ListAudit returns one keyset page of the audit log.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	q := s.conn(ctx).Order("id DESC").Limit(clampLimit(f.Limit))
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	var es []AuditEntry
	if err := q.Find(&es).Error; err != nil {
		return nil, fmt.Errorf("models: list audit: %w", err)
	}
	return es, nil
}

// clampLimit bounds a page size to 1..500, defaulting to 50.
func clampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}
