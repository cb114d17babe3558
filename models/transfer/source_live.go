package transfer

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errRunning is wrapped when a pushdeck instance still heartbeats in the
// source.
var errRunning = errors.New("a pushdeck instance is running on the source")

// refuseRunning fails when the source's instances table (schema version
// 24 on) holds a heartbeat that has not expired: a server still running
// on the file would go on writing after the copy's snapshot, and those
// writes would be lost. A server stopped cleanly removes its row; one
// killed leaves it until it expires (seconds).
func (s *source) refuseRunning(ctx context.Context, now time.Time) error {
	var n int
	if err := s.tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'instances'").Scan(&n); err != nil {
		return fmt.Errorf("source %s: %w", s.path, err)
	}
	if n == 0 {
		return nil
	}
	rows, err := s.tx.QueryContext(ctx, "SELECT id, heartbeat_at, expires_at FROM instances ORDER BY id")
	if err != nil {
		return fmt.Errorf("source %s: instances: %w", s.path, err)
	}
	defer func() { _ = rows.Close() }() // read-only; rows.Err reports what matters
	for rows.Next() {
		var id string
		var beat, expires any
		if err := rows.Scan(&id, &beat, &expires); err != nil {
			return fmt.Errorf("source %s: instances: %w", s.path, err)
		}
		// The driver parses DATETIME columns; toTime also takes the text
		// and Unix forms a hand-made row might hold.
		exp, err := toTime(expires)
		if err != nil {
			return fmt.Errorf("source %s: instance %s: expires_at %w", s.path, id, err)
		}
		if exp.(time.Time).After(now) {
			at, _ := toTime(beat) // only shown; an odd value prints as the zero time
			t, _ := at.(time.Time)
			return fmt.Errorf("%w (%s, last heartbeat %s): stop it first, or wait for its heartbeat to expire after a crash",
				errRunning, id, t.Format(time.RFC3339))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("source %s: instances: %w", s.path, err)
	}
	return nil
}
