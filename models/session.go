package models

import (
	"context"
	"fmt"
	"time"
)

// Session is a signed-in browser. Its ID is the SHA-256 of the cookie value.
type Session struct {
	ID         string
	UserID     int64
	CSRFToken  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// SessionWithUser is a live session and its operator.
type SessionWithUser struct {
	Session Session
	User    User
}

// CreateSession starts a session for a user and returns the cookie value,
// which is not stored.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration, ip, ua string) (string, Session, error) {
	tok, err := randomToken(32)
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomToken(32)
	if err != nil {
		return "", Session{}, err
	}
	now := s.now()
	if len(ua) > 256 {
		ua = ua[:256]
	}
	sess := Session{ID: hashToken(tok), UserID: userID, CSRFToken: csrf, CreatedAt: now, ExpiresAt: now.Add(ttl), LastSeenAt: now, IP: ip, UserAgent: ua}
	if err := s.conn(ctx).Create(&sess).Error; err != nil {
		return "", Session{}, fmt.Errorf("models: create session: %w", err)
	}
	return tok, sess, nil
}

// SessionByToken loads a live session by cookie value. Expired sessions and
// sessions of disabled operators are ErrNotFound.
func (s *Store) SessionByToken(ctx context.Context, tok string) (SessionWithUser, error) {
	var sess Session
	err := s.conn(ctx).Where("id = ? AND expires_at > ?", hashToken(tok), s.now()).First(&sess).Error
	if err != nil {
		return SessionWithUser{}, notFound(err, "session")
	}
	u, err := s.UserByID(ctx, sess.UserID)
	if err != nil {
		return SessionWithUser{}, err
	}
	if u.Disabled {
		return SessionWithUser{}, fmt.Errorf("models: session of disabled user: %w", ErrNotFound)
	}
	return SessionWithUser{Session: sess, User: u}, nil
}

// TouchSession extends a session's expiry (sliding expiry), at most once a
// minute, and never past maxAge after it was created: a session in
// constant use, or a stolen cookie replayed, still ends.
func (s *Store) TouchSession(ctx context.Context, sess Session, ttl, maxAge time.Duration) error {
	now := s.now()
	if now.Sub(sess.LastSeenAt) < time.Minute {
		return nil
	}
	expires := now.Add(ttl)
	if limit := sess.CreatedAt.Add(maxAge); maxAge > 0 && expires.After(limit) {
		expires = limit
	}
	err := s.conn(ctx).Model(&Session{}).Where("id = ?", sess.ID).
		Updates(map[string]any{"last_seen_at": now, "expires_at": expires}).Error
	if err != nil {
		return fmt.Errorf("models: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends one session by cookie value.
func (s *Store) DeleteSession(ctx context.Context, tok string) error {
	if err := s.conn(ctx).Where("id = ?", hashToken(tok)).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("models: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of an operator.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	if err := s.conn(ctx).Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("models: delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// PruneSessions deletes expired sessions.
func (s *Store) PruneSessions(ctx context.Context) (int64, error) {
	res := s.conn(ctx).Where("expires_at <= ?", s.now()).Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("models: prune sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// DeleteUserSessionsExcept ends every session of an operator but one (a
// session id, as in Session.ID; "" keeps none): after a password change the
// operator stays signed in where they made it, and nowhere else.
func (s *Store) DeleteUserSessionsExcept(ctx context.Context, userID int64, keepID string) error {
	q := s.conn(ctx).Where("user_id = ?", userID)
	if keepID != "" {
		q = q.Where("id <> ?", keepID)
	}
	if err := q.Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("models: delete sessions of user %d: %w", userID, err)
	}
	return nil
}
