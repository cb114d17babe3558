package handlers

import (
	"context"
	"log/slog"
	"time"
)

// RunHousekeeping deletes expired sessions and stale login-throttle rows
// now and then every `every` until ctx ends, so neither table grows with
// time or with failed logins. It also marks the CSV imports of dead
// instances interrupted, first at start: a process that restarts marks
// those of the one it replaces.
func (s *Server) RunHousekeeping(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.housekeep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) housekeep(ctx context.Context) {
	s.imports.interruptDead(ctx)
	sessions, err := s.store.PruneSessions(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Error("prune sessions", slog.Any("error", err))
	}
	failures, err := s.store.PruneLoginFailures(ctx, s.cfg.Throttle.Window)
	if err != nil && ctx.Err() == nil {
		s.log.Error("prune login failures", slog.Any("error", err))
	}
	if sessions+failures > 0 {
		s.log.Info("housekeeping", slog.Int64("sessions_pruned", sessions), slog.Int64("login_failures_pruned", failures))
	}
}
