package dispatch

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/dispatch/render"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// sendStore is what sending needs of the store: leasing batches, recording
// their outcomes, and the campaign and account each batch belongs to.
type sendStore interface {
	// ReleaseLeases gives back the batches an earlier run of this owner
	// left leased and returns how many.
	ReleaseLeases(ctx context.Context, owner string) (int64, error)
	// ClaimAdmitted leases up to n due batches that admit accepts, round
	// robin over campaigns from the one after lastCampaign.
	ClaimAdmitted(ctx context.Context, owner string, lease time.Duration, lastCampaign int64, n int, admit models.AdmitFunc) ([]models.Batch, error)
	// ExtendLease returns ErrConflict when the lease was lost.
	ExtendLease(ctx context.Context, b models.Batch, lease time.Duration) error
	// ReleaseBatch gives a leased batch back unsent.
	ReleaseBatch(ctx context.Context, b models.Batch) error
	// RetryBatch schedules another attempt at next; ErrConflict when the
	// lease was lost.
	RetryBatch(ctx context.Context, b models.Batch, next time.Time, code, msg string) error
	// SetBatchKey keeps the key a provider issued for a leased batch
	// (keys.go); ErrConflict when the lease was lost or the batch has one.
	SetBatchKey(ctx context.Context, b models.Batch, key string) error
	// CompleteBatches records outcomes and counters in one transaction and
	// returns the campaigns they changed and the batches whose lease was
	// lost (not recorded).
	CompleteBatches(ctx context.Context, done []models.Completion) (campaigns map[int64]models.Campaign, lost []models.Batch, err error)
	// ParallelWrites is true when CompleteBatches may run in several
	// goroutines at once to advantage (the recorder's lanes).
	ParallelWrites() bool
	// CampaignStatus reads a campaign's status (ErrNotFound).
	CampaignStatus(ctx context.Context, id int64) (models.Status, error)
	// CampaignByID returns ErrNotFound for an unknown id.
	CampaignByID(ctx context.Context, id int64) (models.Campaign, error)
	// ProviderAccountByID returns ErrNotFound for an unknown id.
	ProviderAccountByID(ctx context.Context, id int64) (models.ProviderAccount, error)
	// TransitionBecause returns *models.TransitionError (ErrConflict) when
	// the campaign moved on meanwhile.
	TransitionBecause(ctx context.Context, id int64, to models.Status, actor string, r models.Reason) (models.Campaign, error)
	// RecordProviderHealth stores an account's last call outcome ("" for a
	// success).
	RecordProviderHealth(ctx context.Context, id int64, callErr string) error
	// Now is the store's clock.
	Now() time.Time
	personalStore
}

// sender leases frozen batches (the feeder), sends them (the workers) and
// records their outcomes (the recorder). It keeps per-campaign and
// per-account state the hot path would otherwise read for every batch.
type sender struct {
	store   sendStore
	clients *clients
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	wake    chan struct{}
	done    chan models.Completion
	// reported takes a campaign that completed to the poller.
	reported func(models.Campaign)
	// lastCampaign is the campaign a worker claimed last (round robin).
	lastCampaign atomic.Int64

	mu       sync.Mutex
	speeds   map[int64]*speedLimit // per campaign
	infos    map[int64]campaignInfo
	lastOK   map[int64]time.Time
	accounts map[int64]cachedAccount
	// parts are the answered parts of personalized batches waiting for
	// another attempt (personal_send.go), by batch id.
	parts map[int64]map[string]partResult
}

func newSender(store sendStore, cl *clients, cfg Config, log *slog.Logger, m *Metrics, reported func(models.Campaign)) *sender {
	return &sender{store: store, clients: cl, cfg: cfg, log: log, metrics: m, reported: reported,
		wake: make(chan struct{}, 1), done: make(chan models.Completion, 64),
		speeds: map[int64]*speedLimit{}, infos: map[int64]campaignInfo{}, lastOK: map[int64]time.Time{}, accounts: map[int64]cachedAccount{}}
}

// start takes back this owner's leftover leases and starts the feeder, the
// workers and the recorder. The returned stop waits for the workers once
// ctx is done, then lets the recorder keep their last outcomes and waits
// for it.
func (s *sender) start(ctx context.Context) (stop func()) {
	if n, err := s.store.ReleaseLeases(ctx, s.cfg.Owner); err != nil {
		s.log.Error("release leftover leases", slog.Any("error", err))
	} else if n > 0 {
		s.log.Info("resuming batches left by the previous run", slog.Int64("batches", n))
	}
	var workers sync.WaitGroup
	feed := make(chan job, max(feedQueue, 2*s.cfg.Workers))
	workers.Go(func() { s.feeder(ctx, feed) })
	for i := 0; i < s.cfg.Workers; i++ {
		workers.Go(func() { s.worker(ctx, i, feed) })
	}
	// The recorder outlives the workers so their last outcomes are kept.
	recCtx, stopRecorder := context.WithCancel(context.WithoutCancel(ctx))
	recDone := make(chan struct{})
	go func() { s.recorder(recCtx); close(recDone) }()
	return func() {
		workers.Wait()
		stopRecorder()
		<-recDone
	}
}

// wakeUp tells idle workers that new work is due.
func (s *sender) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// accountTTL is how long a worker trusts its copy of an account; an edit
// (new credentials, rate) takes effect within it.
const accountTTL = 5 * time.Second

type cachedAccount struct {
	acct models.ProviderAccount
	at   time.Time
}

// account returns a provider account, read from the store at most once per
// accountTTL: workers would otherwise read it for every batch.
func (s *sender) account(ctx context.Context, id int64) (models.ProviderAccount, error) {
	s.mu.Lock()
	ca, ok := s.accounts[id]
	s.mu.Unlock()
	if ok && time.Since(ca.at) < accountTTL {
		return ca.acct, nil
	}
	a, err := s.store.ProviderAccountByID(ctx, id)
	if err != nil {
		return a, err
	}
	s.mu.Lock()
	s.accounts[id] = cachedAccount{acct: a, at: time.Now()}
	s.mu.Unlock()
	return a, nil
}

// campaignInfo is what a worker needs of a campaign, decoded once.
type campaignInfo struct {
	providerID int64
	msg        providers.Message
	// variants are the A/B messages, by batch variant (nil: msg for all).
	variants  []variantInfo
	speed     int
	threshold float64
	// dedupe: ask a provider without request ids to drop repeats, and
	// retry only while it does (dedupe.go).
	dedupe bool
	// tmpl is the message parsed for personalization, nil when it holds
	// no placeholder (every recipient gets msg as it is); opts are the
	// campaign options its renderings are checked with.
	tmpl *render.Template
	opts draft.Options
}

// sendInfo returns the campaign's message and options, cached per campaign
// (they cannot change once it has left draft).
func (s *sender) sendInfo(ctx context.Context, id int64) (campaignInfo, error) {
	s.mu.Lock()
	info, ok := s.infos[id]
	s.mu.Unlock()
	if ok {
		return info, nil
	}
	c, err := s.store.CampaignByID(ctx, id)
	if err != nil {
		return info, err
	}
	d, err := draft.Of(c)
	if err != nil {
		return info, err
	}
	info = campaignInfo{providerID: c.ProviderID, msg: messageOf(d), speed: d.Options.Speed, threshold: d.Options.ErrorShare(), dedupe: d.Options.DuplicateCheckOn(), opts: d.Options}
	if tpl, _ := render.Parse(info.msg); tpl.Personal() {
		// A stored draft parsed when it was validated; one that no longer
		// parses has no placeholders to fill and goes out as written.
		info.tmpl = tpl
	}
	for _, v := range d.Variants {
		vd := d
		vd.Message = v.Message
		vi := variantInfo{msg: messageOf(vd)}
		if tpl, _ := render.Parse(vi.msg); tpl.Personal() {
			vi.tmpl = tpl
		}
		info.variants = append(info.variants, vi)
	}
	s.mu.Lock()
	s.infos[id] = info
	s.mu.Unlock()
	return info, nil
}

// variantInfo is one A/B variant's message and its personalization.
type variantInfo struct {
	msg  providers.Message
	tmpl *render.Template
}

// forVariant is the campaign as a batch of the variant sends it: that
// variant's message and template in place of the campaign's.
func (i campaignInfo) forVariant(variant int) campaignInfo {
	if variant >= 0 && variant < len(i.variants) {
		i.msg, i.tmpl = i.variants[variant].msg, i.variants[variant].tmpl
	}
	return i
}

// healthEvery is how often an account's successes are written at most.
const healthEvery = 10 * time.Second

// messageOf applies the campaign options to its message.
func messageOf(d draft.Draft) providers.Message {
	m := d.Message
	m.TTL = time.Duration(d.Options.TTLSeconds) * time.Second
	m.Group = d.Group
	return m
}

// recordHealth stores an account's last success or error. Successes are
// written at most every healthEvery per account (the page shows minutes),
// errors always, so the hot path does not add a write per batch.
func (s *sender) recordHealth(ctx context.Context, acctID int64, callErr error) {
	if callErr == nil {
		now := time.Now()
		s.mu.Lock()
		last := s.lastOK[acctID]
		if now.Sub(last) < healthEvery {
			s.mu.Unlock()
			return
		}
		s.lastOK[acctID] = now
		s.mu.Unlock()
	}
	// Operators see this on the providers page: the provider's own code
	// and message, never internal error text (that goes to the log).
	var pe *providers.Error
	if callErr != nil && !errors.As(callErr, &pe) {
		s.log.Error("provider call", slog.Int64("account", acctID), slog.Any("error", callErr))
	}
	msg := healthText(callErr)
	if err := s.store.RecordProviderHealth(ctx, acctID, msg); err != nil {
		s.log.Warn("record provider health", slog.Any("error", err))
	}
}
