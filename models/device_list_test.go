package models

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTagAliasDeleteKeepCountsRight(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	ctx := t.Context()
	mustLoadFleet(t, s, acct)
	assertTagCounts(t, s, acct)
	res, err := s.TagDevices(ctx, acct.ID, []string{"c0001", "c0002", "nope"}, []string{"new", "vip"}, []string{"test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Matched != 2 || !slices.Equal(res.Missing, []string{"nope"}) {
		t.Errorf("tag result %+v", res)
	}
	wantDevice(t, s, acct, "c0001", func(d Device) bool {
		return slices.Contains(d.Tags, "new") && slices.Contains(d.Tags, "vip") && !slices.Contains(d.Tags, "test")
	})
	assertTagCounts(t, s, acct)
	if _, err := s.TagDevices(ctx, acct.ID, []string{"c0001"}, []string{"x"}, []string{"x"}); err == nil {
		t.Error("a tag both added and removed was accepted")
	}
	al, err := s.SetAlias(ctx, acct.ID, []string{"c0003", "c0004"}, "shared")
	if err != nil || al.Matched != 2 {
		t.Fatalf("alias %+v %v", al, err)
	}
	if n, err := s.CountAudience(ctx, acct.ID, Audience{Kind: "alias", Values: []string{"shared"}}); err != nil || n < 1 {
		t.Errorf("alias audience %d %v", n, err)
	}
	n, err := s.DeleteDevices(ctx, acct.ID, []string{"c0001", "c0002", "c0003", "unknown"})
	if err != nil || n != 3 {
		t.Fatalf("deleted %d %v", n, err)
	}
	assertTagCounts(t, s, acct)
	tags, err := s.ListTags(ctx, acct.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tags {
		if tg.Name == "new" {
			t.Errorf("tag %q should be gone with its last device: %+v", tg.Name, tags)
		}
	}
}

func TestListDevicesKeyset(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	fl := mustLoadFleet(t, s, acct)
	// "rare" on 6 of 240 devices: few enough that a tag filter reads the
	// tag's members instead of walking the account (beta's 60 are not).
	var rare []string
	for i := range fl {
		if i%40 == 3 {
			fl[i].tags = append(fl[i].tags, "rare")
			rare = append(rare, fl[i].cid)
		}
	}
	if _, err := s.TagDevices(t.Context(), acct.ID, rare, []string{"rare"}, nil); err != nil {
		t.Fatal(err)
	}
	for tag, want := range map[string]bool{"rare": true, "beta": false} {
		_, n, err := s.tagID(t.Context(), acct.ID, tag)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.rareTag(t.Context(), acct.ID, n, 4); err != nil || got != want {
			t.Fatalf("tag %s on %d devices: rare %v (%v), want %v", tag, n, got, err, want)
		}
	}
	all := make([]string, len(fl))
	for i, d := range fl {
		all[i] = d.cid
	}
	slices.Sort(all)
	pages := func(f DeviceFilter) ([]string, int) {
		var got []string
		n := 0
		for {
			ds, next, err := s.ListDevices(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			n++
			for _, d := range ds {
				got = append(got, d.CID)
			}
			if next == "" {
				return got, n
			}
			if next != ds[len(ds)-1].CID {
				t.Fatalf("next %q is not the last cid of the page %q", next, ds[len(ds)-1].CID)
			}
			f.After = next
			if n > 1000 {
				t.Fatal("pages never end")
			}
		}
	}
	t.Run("every device once, in cid order", func(t *testing.T) {
		for _, limit := range []int{1, 7, 60, 240, 500} {
			got, n := pages(DeviceFilter{ProviderID: acct.ID, Limit: limit})
			if !slices.Equal(got, all) {
				t.Fatalf("limit %d: %d cids, want %d", limit, len(got), len(all))
			}
			// 240 devices in pages of 60 is exactly 4 pages: no empty 5th.
			if want := (len(all) + limit - 1) / limit; n != want {
				t.Errorf("limit %d: %d pages, want %d", limit, n, want)
			}
		}
	})
	t.Run("after the last cid is empty", func(t *testing.T) {
		ds, next, err := s.ListDevices(t.Context(), DeviceFilter{ProviderID: acct.ID, After: all[len(all)-1]})
		if err != nil || len(ds) != 0 || next != "" {
			t.Fatalf("%d devices, next %q, %v", len(ds), next, err)
		}
	})
	filters := []struct {
		name string
		f    DeviceFilter
		keep func(fleetDevice) bool
	}{
		{"platform", DeviceFilter{Platform: "iOS"}, func(d fleetDevice) bool { return d.platform == "ios" }},
		{"vendor and region", DeviceFilter{Vendor: "huawei", Region: "Beijing"}, func(d fleetDevice) bool { return d.vendor == "huawei" && d.region == "Beijing" }},
		{"tag", DeviceFilter{Tag: "beta"}, func(d fleetDevice) bool { return slices.Contains(d.tags, "beta") }},
		{"unknown tag", DeviceFilter{Tag: "nope"}, func(fleetDevice) bool { return false }},
		{"rare tag", DeviceFilter{Tag: "rare"}, func(d fleetDevice) bool { return slices.Contains(d.tags, "rare") }},
		{"rare tag, platform and search", DeviceFilter{Tag: "rare", Platform: "android", Q: "c0"}, func(d fleetDevice) bool {
			return slices.Contains(d.tags, "rare") && d.platform == "android" && strings.HasPrefix(d.cid, "c0")
		}},
		{"common tag and search", DeviceFilter{Tag: "beta", Q: "c01"}, func(d fleetDevice) bool {
			return slices.Contains(d.tags, "beta") && strings.HasPrefix(d.cid, "c01")
		}},
		{"search cid prefix", DeviceFilter{Q: "c01"}, func(d fleetDevice) bool { return strings.HasPrefix(d.cid, "c01") }},
		{"search alias prefix", DeviceFilter{Q: "al1"}, func(d fleetDevice) bool { return strings.HasPrefix(d.alias, "al1") }},
		{"search user id", DeviceFilter{Q: "u12"}, func(d fleetDevice) bool { return strings.HasPrefix(d.user, "u12") }},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, d := range fl {
				if tc.keep(d) {
					want = append(want, d.cid)
				}
			}
			slices.Sort(want)
			f := tc.f
			f.ProviderID, f.Limit = acct.ID, 4
			got, _ := pages(f)
			if !slices.Equal(got, want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
		})
	}
}

// TestDeviceTimesAreWholeSeconds: every device write stores Unix seconds
// (migration 00006); a sub-second last_seen_at is kept to the second, and
// sending the same value again leaves the device unchanged.
func TestDeviceTimesAreWholeSeconds(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	ctx := t.Context()
	seen := time.Date(2026, 11, 20, 7, 6, 5, 987654321, time.FixedZone("CST", 8*3600))
	in := []DeviceInput{{CID: "c1", LastSeenAt: &seen}, {CID: "c2"}}
	before := time.Now().UTC().Truncate(time.Second)
	if res, err := s.UpsertDevices(ctx, acct.ID, in); err != nil || res.Imported != 2 {
		t.Fatalf("upsert %+v %v", res, err)
	}
	again := seen // the caller's values are the caller's
	if res, err := s.UpsertDevices(ctx, acct.ID, []DeviceInput{{CID: "c1", LastSeenAt: &again}}); err != nil || res.Unchanged != 1 {
		t.Fatalf("same last_seen_at again: %+v %v", res, err)
	}
	if _, err := s.TagDevices(ctx, acct.ID, []string{"c2"}, []string{"vip"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetAlias(ctx, acct.ID, []string{"c2"}, "al"); err != nil {
		t.Fatal(err)
	}
	later := seen.Add(time.Hour)
	if res, err := s.UpsertDevices(ctx, acct.ID, []DeviceInput{{CID: "c1", LastSeenAt: &later}}); err != nil || res.Updated != 1 {
		t.Fatalf("later last_seen_at: %+v %v", res, err)
	}
	var text int
	// SQLite stores device times as whole Unix seconds (PostgreSQL as
	// timestamptz, whole seconds too: checked below through the API).
	if s.dialect.name == dialectSQLite {
		if err := s.DB().Raw(`SELECT count(*) FROM devices WHERE typeof(created_at) <> 'integer' OR typeof(updated_at) <> 'integer'
		OR typeof(coalesce(last_seen_at, 0)) <> 'integer'`).Scan(&text).Error; err != nil || text != 0 {
			t.Errorf("%d devices with non-integer times (%v)", text, err)
		}
	}
	d, err := s.DeviceByCID(ctx, acct.ID, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 19, 23, 6, 5, 0, time.UTC).Add(time.Hour); d.LastSeenAt == nil || !d.LastSeenAt.Equal(want) {
		t.Errorf("last_seen_at %v, want %v", d.LastSeenAt, want)
	}
	if d.CreatedAt.Before(before) || d.CreatedAt.After(time.Now()) || d.UpdatedAt.Before(d.CreatedAt) {
		t.Errorf("created %v updated %v, written after %v", d.CreatedAt, d.UpdatedAt, before)
	}
}
