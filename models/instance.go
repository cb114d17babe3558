package models

import (
	"context"
	"fmt"
	"time"
)

// Instance is one running engine sharing the database with others.
type Instance struct {
	ID          string `gorm:"primaryKey"`
	Host        string
	PID         int `gorm:"column:pid"`
	StartedAt   time.Time
	HeartbeatAt time.Time
	ExpiresAt   time.Time
}

// heartbeatSQL registers an instance or renews its row in one statement:
// a row the reaper deleted (the instance stalled past its expiry) comes
// back with its next heartbeat. ON CONFLICT … DO UPDATE is the upsert both
// SQLite and PostgreSQL accept.
const heartbeatSQL = `INSERT INTO instances (id, host, pid, started_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`

// Heartbeat registers the instance, or renews it, as alive until now+ttl.
func (s *Store) Heartbeat(ctx context.Context, in Instance, ttl time.Duration) error {
	now := s.now()
	if in.StartedAt.IsZero() {
		in.StartedAt = now
	}
	defer s.lockWrite()()
	if err := s.conn(ctx).Exec(heartbeatSQL, in.ID, in.Host, in.PID, in.StartedAt, now, now.Add(ttl)).Error; err != nil {
		return fmt.Errorf("models: heartbeat of %s: %w", in.ID, err)
	}
	return nil
}

// LiveInstances lists the instances whose heartbeat has not expired, by id.
func (s *Store) LiveInstances(ctx context.Context) ([]Instance, error) {
	var out []Instance
	if err := s.conn(ctx).Where("expires_at >= ?", s.now()).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: live instances: %w", err)
	}
	return out, nil
}

// RemoveInstance deletes an instance's row (a graceful stop), so the others
// stop counting it at once.
func (s *Store) RemoveInstance(ctx context.Context, id string) error {
	defer s.lockWrite()()
	if err := s.conn(ctx).Where("id = ?", id).Delete(&Instance{}).Error; err != nil {
		return fmt.Errorf("models: remove instance %s: %w", id, err)
	}
	return nil
}

// ReapedInstance is a dead instance whose leases were released.
type ReapedInstance struct {
	ID       string
	Batches  int64
	Webhooks int64
	// Imports is how many of its console imports it left running, now
	// marked interrupted.
	Imports int64
}

// ReapInstances deletes the rows of instances whose heartbeat expired
// before now and releases the batch and webhook leases they held, so their
// work is taken again at once instead of when each lease runs out; their
// running console imports are marked interrupted (without the instance's
// row a reader could only tell by the import's row going stale). Each
// dead instance goes in its own transaction whose delete is conditional on
// the row still being expired: an instance that renews meanwhile keeps its
// leases. A batch a dead instance may have sent keeps its request id, so
// sending it again is a repeat the provider recognises. self is never
// reaped: a clock moved by hand (tests) must not make an instance release
// its own leases.
func (s *Store) ReapInstances(ctx context.Context, self string) ([]ReapedInstance, error) {
	var dead []string
	now := s.now()
	if err := s.conn(ctx).Model(&Instance{}).Where("expires_at < ? AND id <> ?", now, self).Order("id").Pluck("id", &dead).Error; err != nil {
		return nil, fmt.Errorf("models: dead instances: %w", err)
	}
	var out []ReapedInstance
	for _, id := range dead {
		r := ReapedInstance{ID: id}
		gone := false
		err := s.WithTx(ctx, func(tx *Store) error {
			res := tx.conn(ctx).Where("id = ? AND expires_at < ?", id, now).Delete(&Instance{})
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			gone = true
			var err error
			if r.Batches, err = tx.ReleaseLeases(ctx, id); err != nil {
				return err
			}
			if r.Webhooks, err = tx.ReleaseWebhookLeases(ctx, id); err != nil {
				return err
			}
			r.Imports, err = tx.interruptImportsOf(ctx, id)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("models: reap instance %s: %w", id, err)
		}
		if gone {
			out = append(out, r)
		}
	}
	return out, nil
}

// acquireLeaseSQL takes a named lease for owner, or renews it, in one
// statement: the row is written when it is new, already the owner's, or
// expired, and left alone (no row affected) while another owner holds it.
// Both SQLite and PostgreSQL take the conflict's WHERE, so the check and
// the write cannot interleave with another instance's.
const acquireLeaseSQL = `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE leases.owner = excluded.owner OR leases.expires_at < ?`

// AcquireLease takes or renews the named lease for owner until now+ttl and
// reports whether owner holds it.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	now := s.now()
	defer s.lockWrite()()
	res := s.conn(ctx).Exec(acquireLeaseSQL, name, owner, now.Add(ttl), now)
	if res.Error != nil {
		return false, fmt.Errorf("models: acquire lease %s: %w", name, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease gives up the named lease if owner holds it (a graceful
// stop), so another instance takes it at once.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	defer s.lockWrite()()
	if err := s.conn(ctx).Exec(`DELETE FROM leases WHERE name = ? AND owner = ?`, name, owner).Error; err != nil {
		return fmt.Errorf("models: release lease %s: %w", name, err)
	}
	return nil
}

// LeaseOwner returns who holds the named lease now ("" when nobody does).
func (s *Store) LeaseOwner(ctx context.Context, name string) (string, error) {
	var owners []string
	if err := s.conn(ctx).Table("leases").Where("name = ? AND expires_at >= ?", name, s.now()).Pluck("owner", &owners).Error; err != nil {
		return "", fmt.Errorf("models: lease %s: %w", name, err)
	}
	if len(owners) == 0 {
		return "", nil
	}
	return owners[0], nil
}

// SharedSetupToken stores candidate as the first-run setup token unless an
// instance stored one first, and returns the stored one: every instance
// prints and accepts the same token, whichever answers /setup.
func (s *Store) SharedSetupToken(ctx context.Context, candidate string) (string, error) {
	unlock := s.lockWrite()
	err := s.conn(ctx).Exec(`INSERT INTO setup_token (id, token, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`, candidate, s.now()).Error
	unlock()
	if err != nil {
		return "", fmt.Errorf("models: setup token: %w", err)
	}
	var tok string
	if err := s.conn(ctx).Raw(`SELECT token FROM setup_token WHERE id = 1`).Row().Scan(&tok); err != nil {
		return "", fmt.Errorf("models: setup token: %w", err)
	}
	return tok, nil
}
