package dispatch

import (
	"context"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// Store is everything the engine asks of the database: the union of what
// its parts use, each declared beside its user (planStore in plan.go,
// sendStore in sender.go, pollStore in poll.go, credentialStore in
// clients.go, metricsStore in metrics.go) and engineStore below for the lifecycle, the drafts and the
// figures. *models.Store (SQLite) implements it; another database only has
// to implement these methods. Errors follow models: ErrNotFound for a
// missing row, *models.ValidationError for bad input, *models.TransitionError
// (ErrConflict) for a forbidden status change.
type Store interface {
	planStore
	sendStore
	pollStore
	engineStore
	credentialStore
	metricsStore
	recurringStore
	templateStore
	previewStore
	leaseStore
	abStore
}

// The SQLite store is the engine's store.
var _ Store = (*models.Store)(nil)

// engineStore is what the engine's own methods use: the campaign
// lifecycle (lifecycle.go), drafts and follow-ups (compose*.go), the
// figures shown for a campaign (poll.go, stats.go, poll_groups.go), the
// accounts' tests and seeding (accounts.go) and the pruning of old rows
// (retention.go).
type engineStore interface {
	// CampaignByID returns ErrNotFound for an unknown id.
	CampaignByID(ctx context.Context, id int64) (models.Campaign, error)
	// ProviderAccountByID returns ErrNotFound for an unknown id.
	ProviderAccountByID(ctx context.Context, id int64) (models.ProviderAccount, error)
	// Transition returns *models.TransitionError when the status table
	// forbids the change.
	Transition(ctx context.Context, id int64, to models.Status, actor, reason string) (models.Campaign, error)
	// CancelCampaign ends a campaign; its unsent recipients end failed.
	CancelCampaign(ctx context.Context, id int64, actor, reason string) (models.Campaign, error)
	// DueScheduled lists scheduled campaigns whose time has come.
	DueScheduled(ctx context.Context, now time.Time) ([]models.Campaign, error)
	// CreateCampaign stores a draft; with an idempotency key already used
	// it returns the first campaign and created=false.
	CreateCampaign(ctx context.Context, in models.NewCampaign) (c models.Campaign, created bool, err error)
	// UpdateDraft returns *models.TransitionError for a campaign that left
	// draft.
	UpdateDraft(ctx context.Context, id int64, u models.CampaignUpdate) (models.Campaign, error)
	// ValidateAudience checks a segment or condition audience against the
	// registry (*models.ValidationError).
	ValidateAudience(ctx context.Context, a *models.Audience) error
	// FailedRecipients pages the recipients that ended failed (or unsent)
	// in key order after `after`.
	FailedRecipients(ctx context.Context, campaignID int64, after string, limit int, unsent bool) ([]string, error)
	// NewAudienceUpload starts a spooled recipient list for a new draft.
	NewAudienceUpload(ctx context.Context) (*models.AudienceUpload, error)
	// LatestSnapshot returns ErrNotFound (with stale set when a poll
	// failed) before the first good report.
	LatestSnapshot(ctx context.Context, campaignID int64) (snap models.ReportSnapshot, stale bool, err error)
	// LatestGroupSnapshots returns a task group's newest report per account.
	LatestGroupSnapshots(ctx context.Context, group string) ([]models.GroupReportState, error)
	// CampaignFailures counts a campaign's failed recipients by reason.
	CampaignFailures(ctx context.Context, id int64) ([]models.FailureCount, error)
	// RecordProviderHealth stores an account's last call outcome ("" for a
	// success).
	RecordProviderHealth(ctx context.Context, id int64, callErr string) error
	// UpsertDevices registers or updates up to models.MaxDeviceBatch
	// devices of an account (*models.ValidationError for a bad one).
	UpsertDevices(ctx context.Context, providerID int64, in []models.DeviceInput) (models.UpsertResult, error)
	// PruneDeliveries deletes up to limit delivery rows of campaigns that
	// finished before cutoff and returns how many it deleted.
	PruneDeliveries(ctx context.Context, cutoff time.Time, limit int) (int64, error)
	// PruneUploads deletes audience uploads older than cutoff.
	PruneUploads(ctx context.Context, cutoff time.Time) (int, error)
	// Now is the store's clock.
	Now() time.Time
}
