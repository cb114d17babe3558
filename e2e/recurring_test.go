package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestRecurringJourney: an operator makes a draft repeat every weekday at
// 07:45 in Tokyo, lands on the definition's page with its next run, finds
// it on the campaign list, and pauses it.
func TestRecurringJourney(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	key := srv.adminAndKey(adminEmail, adminPassword)
	srv.start()
	id := srv.createCampaign(key, "Morning news")
	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)

	b.open(fmt.Sprintf("/campaigns/%d", id))
	status := b.submit("open the repeat form", `[data-testid="action-repeat"]`)
	b.check("repeat form", status == http.StatusOK && b.count(`[data-testid="repeat-form"]`) == 1, "status %d at %s", status, b.path())
	b.fill("a weekly rule", `[data-testid="repeat-form"]`, map[string]string{"every": "weekly", "at": "07:45", "timezone": "Asia/Tokyo"})
	b.click("Tuesday too", `[data-testid="day-tue"]`)
	status = b.submit("save", `[data-testid="repeat-save"]`)
	b.check("definition page", status == http.StatusOK && strings.HasPrefix(b.path(), "/recurring/"), "status %d at %s", status, b.path())
	next := b.text(`[data-testid="recurring-next"]`)
	b.check("next run", strings.Contains(next, "07:45 Asia/Tokyo"), "next run %q", next)
	sched := b.text(`[data-testid="recurring-schedule"]`)
	b.check("schedule", strings.Contains(sched, "Mon, Tue") && strings.Contains(sched, "07:45"), "schedule %q", sched)
	b.shot("definition")

	b.open("/campaigns")
	b.check("listed", b.count(`[data-testid="recurring-row"]`) == 1, "no recurring row on the campaign list")
	listed := b.text(`[data-testid="recurring-row"] [data-testid="recurring-next"]`)
	b.check("listed next run", listed == next, "list says %q, page %q", listed, next)
	b.submit("open it", `[data-testid="recurring-row"] a`)
	b.submit("pause", `[data-testid="recurring-pause"]`)
	b.check("paused", b.count(`[data-testid="recurring-resume"]`) == 1, "no Resume after pausing")
	b.shot("paused")
}
