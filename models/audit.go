package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
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

// Audit appends an entry. Over-long values are cut (an actor can be
// whatever a stranger typed into the login form), so the log stays small
// whatever arrives.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	e.CreatedAt = s.now()
	e.Actor = clip(e.Actor, 256)
	e.Action = clip(e.Action, 64)
	e.Target = clip(e.Target, 256)
	e.Detail = clip(e.Detail, 1000)
	e.IP = clip(e.IP, 64)
	if err := s.conn(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("models: audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditFilter selects audit entries: newest first, before the id After;
// Action matches exactly, Actor regardless of case.
type AuditFilter struct {
	Action string
	Actor  string
	After  int64
	Limit  int
}

// ListAudit returns one keyset page of the audit log.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	return s.listAudit(ctx, f, clampLimit(f.Limit))
}

func (s *Store) listAudit(ctx context.Context, f AuditFilter, limit int) ([]AuditEntry, error) {
	q := s.conn(ctx).Order("id DESC").Limit(limit)
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Actor != "" {
		q = q.Where(s.dialect.nocaseEq("actor"), f.Actor)
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

// ListAuditPage returns one keyset page of the audit log, newest first, and
// the id to pass as After for the next page (0 on the last page). It reads
// one row more than the page to know whether another page follows.
func (s *Store) ListAuditPage(ctx context.Context, f AuditFilter) ([]AuditEntry, int64, error) {
	limit := clampLimit(f.Limit)
	es, err := s.listAudit(ctx, f, limit+1)
	if err != nil {
		return nil, 0, err
	}
	if len(es) <= limit {
		return es, 0, nil
	}
	es = es[:limit]
	return es, es[limit-1].ID, nil
}

// AuditActions lists the distinct actions recorded, for the log's filter.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	var as []string
	if err := s.conn(ctx).Model(&AuditEntry{}).Distinct("action").Order("action").Pluck("action", &as).Error; err != nil {
		return nil, fmt.Errorf("models: audit actions: %w", err)
	}
	return as, nil
}

// clip cuts s to at most n runes, marking the cut, and drops invalid UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
