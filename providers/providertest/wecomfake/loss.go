package wecomfake

import (
	"net/http"
	"time"
)

// Loss is how a message/send call that WeCom processed loses its answer:
// the message was delivered (or dropped as a duplicate), but the caller
// cannot know.
type Loss struct {
	// Status, when set, is answered instead of the real answer (e.g. 502,
	// a gateway failing after the service did the work).
	Status int
	// Hang holds the answer this long first, past the caller's timeout;
	// a caller that gives up gets nothing.
	Hang time.Duration
}

type lossPlan struct {
	next   int    // LoseAnswerNext calls left
	every  int    // LoseAnswerEvery period; 0 = off
	losses []Loss // in rotation
	calls  int    // message/send calls counted since LoseAnswerEvery
	turn   int    // next loss in the rotation
}

// LoseAnswerNext makes the next n message/send calls be processed and then
// lose their answer as loss says.
func (s *Server) LoseAnswerNext(n int, loss Loss) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loss = lossPlan{next: n, losses: []Loss{loss}}
}

// LoseAnswerEvery makes every n-th message/send call from now on (retries
// included) be processed and then lose its answer, taking the losses in
// turn. n ≤ 0 or no loss stops it.
func (s *Server) LoseAnswerEvery(n int, losses ...Loss) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 || len(losses) == 0 {
		s.loss = lossPlan{}
		return
	}
	s.loss = lossPlan{every: n, losses: append([]Loss(nil), losses...)}
}

// takeLoss decides whether this processed call loses its answer. Only
// message/send calls that reached the send handler (an HTTP 200 answer)
// count. Called with s.mu held.
func (s *Server) takeLoss(path string, rep reply) (Loss, bool) {
	p := &s.loss
	if path != PathSend || rep.status != http.StatusOK || rep.malformed || len(p.losses) == 0 {
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
