package handlers

import (
	"github.com/pushdeck/pushdeck/models"
	provpages "github.com/pushdeck/pushdeck/web/pages/providers"
)

// setHealth fills a provider row's health: failing when the account's
// last call failed after its last success, ok when it succeeded last,
// unknown before any call; and the batches its sending campaigns are
// retrying now.
func setHealth(r *provpages.Row, a models.ProviderAccount, retrying int64) {
	switch {
	case a.LastErrorAt != nil && (a.LastOKAt == nil || a.LastErrorAt.After(*a.LastOKAt)):
		r.Health, r.Failing = provpages.HealthFailing, true
	case a.LastOKAt != nil:
		r.Health = provpages.HealthOK
	default:
		r.Health = provpages.HealthUnknown
	}
	if retrying > 0 {
		r.Retrying = num(retrying)
	}
}
