package dispatch

import (
	"context"
	"errors"
	"log/slog"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Provider-issued keys.
//
// A provider that recognises a repeated request only by a key it issues
// itself (providers.KeyIssuer) cannot use the batch's request id for that.
// The batch gets one key before its first attempt, stored with the batch
// before any request carries it, and every attempt sends that same key: a
// retry after a lost answer, or after a crash and restart, is then
// answered by the provider instead of delivered again. A crash between
// issuing and storing loses only an unused key; issuing delivers nothing.

// withKey gives b the provider's key when the provider issues keys and b
// has none yet. It returns false when the batch must not be sent now: a
// failed issue is handled as a failed attempt (retried with backoff), and
// a failure to store the key leaves the batch to its lease.
func (s *sender) withKey(ctx context.Context, log *slog.Logger, p providers.Provider, b *models.Batch) bool {
	ki, ok := p.(providers.KeyIssuer)
	if !ok || b.ProviderKey != "" {
		return true
	}
	key, err := ki.IssueKey(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.failed(ctx, log, *b, err)
		}
		return false
	}
	if err := s.store.SetBatchKey(ctx, *b, key); err != nil {
		if !errors.Is(err, models.ErrConflict) && ctx.Err() == nil {
			log.Error("store the batch's provider key", slog.Any("error", err))
		}
		return false
	}
	b.ProviderKey = key
	return true
}
