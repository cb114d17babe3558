package jpushfake

import (
	"net/http"
	"time"
)

// Loss is how a push that JPush carried out loses its answer: the devices
// got it, but the caller cannot know.
type Loss struct {
	// Status, when set, is answered instead of the real answer (a gateway
	// failing after the service did the work).
	Status int
	// Hang holds the answer this long first, past the caller's timeout.
	Hang time.Duration
	// Drop closes the connection without an answer.
	Drop bool
}

type lossPlan struct {
	next   int
	every  int
	losses []Loss
	calls  int
	turn   int
}

// LoseAnswerNext makes the next n pushes that succeed be carried out and
// then lose their answer as loss says.
func (s *Server) LoseAnswerNext(n int, loss Loss) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.loss = lossPlan{next: n, losses: []Loss{loss}}
}

// LoseAnswerEvery makes every n-th successful push from now on (replays
// of a cid included) be carried out and then lose its answer, taking the
// losses in turn. n ≤ 0 or no loss stops it.
func (s *Server) LoseAnswerEvery(n int, losses ...Loss) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 || len(losses) == 0 {
		s.faults.loss = lossPlan{}
		return
	}
	s.faults.loss = lossPlan{every: n, losses: append([]Loss(nil), losses...)}
}

// takeLoss decides whether this successful push loses its answer. Called
// with s.mu held.
func (s *Server) takeLoss() (Loss, bool) {
	p := &s.faults.loss
	if len(p.losses) == 0 {
		return Loss{}, false
	}
	switch {
	case p.next > 0:
		p.next--
	case p.every > 0:
		p.calls++
		if p.calls%p.every != 0 {
			return Loss{}, false
		}
	default:
		return Loss{}, false
	}
	l := p.losses[p.turn%len(p.losses)]
	p.turn++
	return l, true
}

// answerLost writes (or withholds) the answer of a carried-out push.
func answerLost(w http.ResponseWriter, r *http.Request, l Loss) {
	if l.Hang > 0 {
		select {
		case <-time.After(l.Hang):
		case <-r.Context().Done():
			return
		}
	}
	if l.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close() // the point is to close it
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	status := l.Status
	if status == 0 {
		status = http.StatusBadGateway
	}
	w.WriteHeader(status)
}
