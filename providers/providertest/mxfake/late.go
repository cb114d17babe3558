package mxfake

import (
	"net/http"
	"time"
)

// SetAnswerDelay holds every following answer back by d after the request
// was handled (0 turns it off): a push is already recorded when its answer
// starts back, so a client that dies meanwhile never learns it was pushed
// and must send it again, under its request id, to be answered. SetDelay
// instead waits before handling, and a client that gives up is abandoned
// unpushed.
func (s *Server) SetAnswerDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.answerDelay = d
}

// lateAnswers wraps w so its answer waits for the answer delay.
func (s *Server) lateAnswers(w http.ResponseWriter) http.ResponseWriter {
	s.mu.Lock()
	d := s.faults.answerDelay
	s.mu.Unlock()
	if d <= 0 {
		return w
	}
	return &lateWriter{ResponseWriter: w, d: d}
}

// lateWriter sleeps once, before the status line goes out.
type lateWriter struct {
	http.ResponseWriter
	d    time.Duration
	sent bool
}

func (l *lateWriter) WriteHeader(status int) {
	if !l.sent {
		l.sent = true
		time.Sleep(l.d)
	}
	l.ResponseWriter.WriteHeader(status)
}

func (l *lateWriter) Write(b []byte) (int, error) {
	if !l.sent {
		l.WriteHeader(http.StatusOK)
	}
	return l.ResponseWriter.Write(b)
}
