package models

import "time"

// WithClock returns a store reading time from now (in UTC), for tests that
// move time by hand: the engine's scheduler and batch claims ask the
// store's clock what is due.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = func() time.Time { return now().UTC() }
	return &c
}
