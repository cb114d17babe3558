package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// Limits bound the work one request can ask of the server.
type Limits struct {
	// PreviewTimeout is how long one audience count may run (default 5 s):
	// a count is a scan of the account's devices, and a viewer may ask for
	// one.
	PreviewTimeout time.Duration
	// Previews is how many audience counts run at once (default 2, the
	// machine's cores); another waits up to PreviewWait, then is refused.
	Previews    int
	PreviewWait time.Duration
	// ReadTimeout is how long a request may take to arrive, body included
	// (default 1 min), and WriteTimeout how long its answer may take
	// (default 2 min): a client trickling a body a byte at a time no
	// longer holds a connection for ever. Uploads and the CSV export get
	// longer (bodyRules).
	ReadTimeout, WriteTimeout time.Duration
}

func (l *Limits) defaults() {
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = time.Minute
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 2 * time.Minute
	}
	if l.PreviewTimeout <= 0 {
		l.PreviewTimeout = 5 * time.Second
	}
	if l.Previews <= 0 {
		l.Previews = 2
	}
	if l.PreviewWait <= 0 {
		l.PreviewWait = 2 * time.Second
	}
}

var (
	// errPreviewBusy: every preview slot stayed taken for PreviewWait.
	errPreviewBusy = errors.New("handlers: too many audience counts running")
	// errPreviewTimeout: the count ran past PreviewTimeout and was stopped.
	errPreviewTimeout = errors.New("handlers: audience count took too long")
)

// previewGate lets a fixed number of audience counts run at once.
type previewGate chan struct{}

func newPreviewGate(n int) previewGate { return make(previewGate, n) }

// acquire takes a slot, waiting at most wait; release gives it back.
func (g previewGate) acquire(ctx context.Context, wait time.Duration) (release func(), err error) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case g <- struct{}{}:
		return func() { <-g }, nil
	case <-t.C:
		return nil, errPreviewBusy
	case <-ctx.Done():
		return nil, fmt.Errorf("handlers: wait for an audience count: %w", ctx.Err())
	}
}

// countPreview is CountAudience for the previews (the API's and the
// console's live counts): at most Limits.Previews at once, each stopped
// after Limits.PreviewTimeout.
func (s *Server) countPreview(ctx context.Context, providerID int64, a models.Audience) (int64, error) {
	release, err := s.previews.acquire(ctx, s.cfg.Limits.PreviewWait)
	if err != nil {
		return 0, err
	}
	defer release()
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Limits.PreviewTimeout)
	defer cancel()
	n, err := s.store.CountAudience(cctx, providerID, a)
	if err != nil && errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		return 0, errPreviewTimeout
	}
	return n, err
}

// HTTPServer is the http.Server for the handler, with the timeouts of
// Limits.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{Addr: addr, Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: s.cfg.Limits.ReadTimeout, WriteTimeout: s.cfg.Limits.WriteTimeout, IdleTimeout: 2 * time.Minute}
}
