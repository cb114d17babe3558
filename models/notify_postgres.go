package models

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// notifyChannel is the PostgreSQL channel pushdeck instances wake each
// other on; a notification's payload is the topic.
const notifyChannel = "pushdeck_wake"

// PGNotifier carries the engine's wake-ups between the instances sharing
// a PostgreSQL database with LISTEN/NOTIFY: a campaign started through one
// instance's API is planned and sent by the others at once, without them
// polling the database faster.
type PGNotifier struct {
	dsn string
	db  *gorm.DB
	log *slog.Logger
}

// NewPGNotifier notifies through db (a pool on the database dsn names)
// and listens on a connection of its own to dsn.
func NewPGNotifier(dsn string, db *gorm.DB, log *slog.Logger) *PGNotifier {
	return &PGNotifier{dsn: dsn, db: db, log: log}
}

// Notify sends topic to every listening instance, this one included.
func (n *PGNotifier) Notify(ctx context.Context, topic string) error {
	if err := n.db.WithContext(ctx).Exec(`SELECT pg_notify(?, ?)`, notifyChannel, topic).Error; err != nil {
		return fmt.Errorf("models: notify %s: %w", topic, err)
	}
	return nil
}

// Listen calls fn with every topic notified until ctx ends. It holds a
// dedicated connection (a LISTEN belongs to one session, which a pool
// would hand to others) and opens it again, with a growing pause, when it
// is lost; what was notified meanwhile is found by the engine's polls.
func (n *PGNotifier) Listen(ctx context.Context, fn func(topic string)) {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := n.listenOnce(ctx, fn, func() { pause = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		n.log.Warn("wake-ups from other instances: connection lost, reconnecting", slog.Any("error", err), slog.Duration("in", pause))
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 10*time.Second)
	}
}

// listenOnce listens on one connection until it fails or ctx ends; up is
// called once the LISTEN holds.
func (n *PGNotifier) listenOnce(ctx context.Context, fn func(string), up func()) error {
	cfg, err := pgx.ParseConfig(n.dsn)
	if err != nil {
		return fmt.Errorf("models: listen: %s", parseReason(err))
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("models: listen: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx) // the connection is being dropped either way
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return fmt.Errorf("models: listen: %w", err)
	}
	up()
	for {
		note, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("models: listen: %w", err)
		}
		fn(note.Payload)
	}
}
