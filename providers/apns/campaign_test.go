package apns_test

import (
	"context"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
)

// TestCampaignUnderFaults sends a campaign through the engine while the
// fake loses answers after delivering, answers 503, 500 and 429, and
// reports some devices unregistered: every recipient ends with exactly one
// delivery row, the counters match the rows, every valid device got the
// notification, and a device got it twice only after a lost answer, with
// the same apns-id and collapse id (so it shows once).
func TestCampaignUnderFaults(t *testing.T) {
	n := campaignSize()
	f := apnsfake.New(t)
	f.SetMix(apnsfake.Mix{Lost: 10, Unavailable: 10, Internal: 5, TooMany: 10})
	tokens := tokensFor(n)
	gone := map[string]bool{}
	for i := 0; i < n; i += 97 {
		f.Unregister(tokens[i], time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
		gone[tokens[i]] = true
	}
	rig := newEngineRig(t, f, 0)
	c := rig.create(t, tokens)
	rig.send(t, c)
	c = rig.wait(t, c.ID, 2*time.Minute)
	if c.Status != models.StatusCompleted {
		t.Fatalf("campaign %s (%s)", c.Status, c.StatusReason)
	}
	rows := map[string]models.Delivery{}
	err := rig.store.StreamDeliveries(context.Background(), c.ID, "", func(page []models.Delivery) error {
		for _, d := range page {
			if _, dup := rows[d.Recipient]; dup {
				t.Errorf("%s has two delivery rows", d.Recipient)
			}
			rows[d.Recipient] = d
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("%d delivery rows for %d recipients", len(rows), n)
	}
	want := models.Totals{Recipients: int64(n), Accepted: int64(n - len(gone)), Invalid: int64(len(gone))}
	if c.Totals() != want {
		t.Errorf("totals %+v, want %+v", c.Totals(), want)
	}
	delivered := f.Delivered()
	twice := 0
	for _, tok := range tokens {
		d := rows[tok]
		switch {
		case gone[tok]:
			if d.Status != models.DeliveryInvalid || d.Code != "Unregistered" {
				t.Fatalf("%s: %+v, want invalid Unregistered", tok, d)
			}
			continue
		case d.Status != models.DeliveryAccepted:
			t.Fatalf("%s: %+v, want accepted", tok, d)
		case delivered[tok] == 0:
			t.Fatalf("%s accepted but never delivered", tok)
		case delivered[tok] > 1:
			twice++
			ds := f.Deliveries(tok)
			if len(ds) > 2 || ds[0].APNsID != ds[1].APNsID || ds[0].CollapseID != ds[1].CollapseID {
				t.Fatalf("%s delivered as different notifications: %+v", tok, ds)
			}
		}
	}
	// Only lost answers cause a second delivery: 1% of the tokens.
	if twice == 0 || twice > n/50 {
		t.Errorf("%d of %d devices got the notification twice, want about 1%%", twice, n)
	}
	t.Logf("%d recipients, %d requests, %d delivered twice after a lost answer", n, f.Requests(), twice)
}
