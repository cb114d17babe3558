package dispatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// Local-time delivery and quiet hours decide when each recipient's batch
// is due; the planner freezes recipients of the same due time together
// and the workers claim a batch only once it is due (its next attempt).

// localPlan computes due times by recipient zone for one campaign's plan.
type localPlan struct {
	// home is the campaign's zone, for recipients without one.
	home *time.Location
	// at is the local time of day to send at, when local-time delivery is
	// on (atSet).
	atSet  bool
	hh, mm int
	// quiet are the account's quiet hours, for a marketing campaign.
	quiet              bool
	qsH, qsM, qeH, qeM int
	// start is when the campaign started sending (for the rest of an A/B
	// test, when its winner was chosen): every due time is the first one
	// at or after it, so a resumed plan computes the same ones.
	start time.Time
	by    string
	cache map[string]time.Time
}

// localStore is what local-time plans need of the store.
type localStore interface {
	// DeviceZones maps cids (or aliases, by = "alias") of an account's
	// devices to their zones; values without one are absent.
	DeviceZones(ctx context.Context, providerID int64, by string, values []string) (map[string]string, error)
	// Now is the store's clock.
	Now() time.Time
}

// localPlanOf returns nil when the campaign sends everyone at once.
func (p *planner) localPlanOf(c models.Campaign, acct models.ProviderAccount) *localPlan {
	d, err := draft.Of(c)
	if err != nil {
		return nil // plan() reports a broken campaign on its own path
	}
	o := d.Options
	lp := &localPlan{home: o.Location(), start: p.store.Now(), by: "cid", cache: map[string]time.Time{}}
	if c.StartedAt != nil {
		lp.start = *c.StartedAt
	}
	// The rest of a test-first campaign starts when its winner was chosen:
	// the local times of the start's day went to the sample, so the rest
	// gets each zone's next one rather than all of it at once.
	if c.ABPhase == models.ABRest && c.ABDecideAt != nil {
		lp.start = *c.ABDecideAt
	}
	if o.LocalTime != "" {
		lp.hh, lp.mm, lp.atSet = draft.ClockTime(o.LocalTime)
	}
	if o.Marketing && acct.QuietStart != "" && acct.QuietEnd != "" {
		var ok1, ok2 bool
		lp.qsH, lp.qsM, ok1 = draft.ClockTime(acct.QuietStart)
		lp.qeH, lp.qeM, ok2 = draft.ClockTime(acct.QuietEnd)
		lp.quiet = ok1 && ok2 && acct.QuietStart != acct.QuietEnd
	}
	if !lp.atSet && !lp.quiet {
		return nil
	}
	return lp
}

// due is when a recipient in zone (an IANA name, "" = the campaign's) may
// be sent: the first local_time at or after the start (so a recipient
// whose hour has passed today gets tomorrow's), then, for a marketing
// campaign, moved past the account's quiet hours in that zone.
func (lp *localPlan) due(zone string) time.Time {
	if t, ok := lp.cache[zone]; ok {
		return t
	}
	loc := lp.home
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	t := lp.start.In(loc)
	if lp.atSet {
		t = nextClock(t, lp.hh, lp.mm)
	}
	if lp.quiet && inWindow(t, lp.qsH*60+lp.qsM, lp.qeH*60+lp.qeM) {
		t = nextClock(t, lp.qeH, lp.qeM)
	}
	t = t.UTC()
	lp.cache[zone] = t
	return t
}

// nextClock is the first hh:mm in t's zone at or after t. time.Date
// normalises a wall time that a DST change skips.
func nextClock(t time.Time, hh, mm int) time.Time {
	c := time.Date(t.Year(), t.Month(), t.Day(), hh, mm, 0, 0, t.Location())
	if c.Before(t) {
		c = time.Date(t.Year(), t.Month(), t.Day()+1, hh, mm, 0, 0, t.Location())
	}
	return c
}

// inWindow reports whether t's local minute of day is in [from, to),
// a window that may wrap past midnight (22:00–08:00).
func inWindow(t time.Time, from, to int) bool {
	m := t.Hour()*60 + t.Minute()
	if from < to {
		return m >= from && m < to
	}
	return m >= from || m < to
}

// addLocal freezes one streamed page of recipients by due time: a batch
// holds recipients of one due time, in key order; at the page's end every
// partial batch is cut, so the plan cursor (the page's last recipient)
// still means "everything up to here is frozen".
func (f *freezer) addLocal(ctx context.Context, values []string) error {
	fresh := values[:0:0]
	for _, v := range values {
		if f.cursor == "" || v > f.cursor {
			fresh = append(fresh, v)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	zones, err := f.p.store.DeviceZones(ctx, f.c.ProviderID, f.local.by, fresh)
	if err != nil {
		return fmt.Errorf("dispatch: zones of campaign %d: %w", f.c.ID, err)
	}
	// Each batch holds one due time and one variant.
	type bucket struct {
		due     time.Time
		variant int
	}
	buckets := map[bucket][]string{}
	var order []bucket
	for _, v := range fresh {
		variant, ok := f.split.place(v)
		if !ok {
			continue
		}
		k := bucket{due: f.local.due(zones[v]), variant: variant}
		if _, ok := buckets[k]; !ok {
			order = append(order, k)
		}
		buckets[k] = append(buckets[k], v)
	}
	slices.SortFunc(order, func(a, b bucket) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return a.variant - b.variant
	})
	for _, k := range order {
		for part := range slices.Chunk(buckets[k], f.limit) {
			if err := f.cutDue(part, k.due, k.variant); err != nil {
				return err
			}
		}
	}
	f.last = fresh[len(fresh)-1]
	return f.flush(ctx, false)
}
