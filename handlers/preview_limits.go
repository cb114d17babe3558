package handlers

import (
	"context"
	"errors"
	"fmt"
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
}

func (l *Limits) defaults() {
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
