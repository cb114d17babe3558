package handlers

import (
	"fmt"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// abState is the badge state of a campaign's test: awaiting the operator
// once the wait is over, testing with the winner's time during the wait.
// The status is not consulted beyond sending and paused (the status stays
// sending through the test; a paused test still awaits its pick).
func abState(cm models.Campaign) campaigns.ABState {
	if cm.Status != models.StatusSending && cm.Status != models.StatusPaused {
		return campaigns.ABState{}
	}
	st := campaigns.ABState{URL: fmt.Sprintf("/campaigns/%d/stats", cm.ID)}
	switch cm.ABPhase {
	case models.ABChoose:
		st.Awaiting = true
	case models.ABWait:
		st.DecideAt = whenPtr(cm.ABDecideAt)
	}
	return st
}
