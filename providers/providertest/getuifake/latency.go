package getuifake

import (
	"math/rand/v2"
	"strings"
	"time"
)

// SetReportDelay makes every report call (routes under /report/) wait a
// random time between lo and hi before it is answered, as GeTui's report
// API does under load; zero for both removes it. Other routes are not
// delayed (SetDelay delays every route).
func (s *Server) SetReportDelay(lo, hi time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reportDelay = [2]time.Duration{lo, max(lo, hi)}
}

// routeDelay is the extra wait of one call on route. Must hold s.mu.
func (s *Server) routeDelay(route string) time.Duration {
	lo, hi := s.reportDelay[0], s.reportDelay[1]
	if hi <= 0 || !strings.HasPrefix(route, "/report/") {
		return 0
	}
	return lo + rand.N(hi-lo+1)
}
