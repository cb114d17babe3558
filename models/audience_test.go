package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fleet is a small audience with every attribute spread out, kept in Go
// too, so each query's answer can be checked by brute force.
type fleetDevice struct {
	cid, alias, user, platform, vendor, region string
	tags                                       []string
	optedOut                                   bool
}

func testFleet() []fleetDevice {
	regions := []string{"Zhejiang", "Shanghai", "Beijing", "Guangdong"}
	vendors := []string{"huawei", "xiaomi", "apple", "oppo", "vivo"}
	var out []fleetDevice
	for i := range 240 {
		d := fleetDevice{cid: fmt.Sprintf("c%04d", (i*37)%240), platform: []string{"ios", "android", "other"}[i%3],
			vendor: vendors[i%5], region: regions[(i/3)%4]}
		if i%4 == 0 {
			d.alias = "al" + strconv.Itoa(i%60)
		}
		if i%5 == 0 {
			d.user = "u" + strconv.Itoa(i)
		}
		for j, tg := range []string{"vip", "test", "beta", "churn"} {
			if (i/(j+1))%(j+2) == 0 {
				d.tags = append(d.tags, tg)
			}
		}
		d.optedOut = i%17 == 0
		out = append(out, d)
	}
	return out
}

func mustLoadFleet(t testing.TB, s *Store, acct ProviderAccount) []fleetDevice {
	t.Helper()
	fl := testFleet()
	in := make([]DeviceInput, len(fl))
	for i, d := range fl {
		alias, user, platform, vendor, region, tags, opted := d.alias, d.user, d.platform, d.vendor, d.region, slices.Clone(d.tags), d.optedOut
		if tags == nil {
			tags = []string{}
		}
		in[i] = DeviceInput{CID: d.cid, Alias: &alias, UserID: &user, Platform: &platform, Vendor: &vendor, Region: &region, Tags: &tags, OptedOut: &opted}
	}
	if _, err := s.UpsertDevices(context.Background(), acct.ID, in); err != nil {
		t.Fatal(err)
	}
	return fl
}

// eval is the reference semantics of a tree, in Go.
func eval(n Node, d fleetDevice) bool {
	switch n.Op {
	case "and":
		for _, it := range n.Items {
			if !eval(it, d) {
				return false
			}
		}
		return true
	case "or":
		for _, it := range n.Items {
			if eval(it, d) {
				return true
			}
		}
		return false
	case "not":
		return !eval(n.Items[0], d)
	}
	has := func(v string) bool {
		switch n.Field {
		case "tag":
			return slices.Contains(d.tags, v)
		case "platform":
			return d.platform == v
		case "vendor":
			return d.vendor == v
		case "region":
			return d.region == v
		default:
			return d.user == v
		}
	}
	any, all := false, true
	for _, v := range n.Values {
		h := has(v)
		any = any || h
		all = all && h
	}
	switch n.Op {
	case "in":
		return any
	case "not_in":
		return !any
	}
	return all
}

func TestSegmentTreesAgainstSQLite(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	fl := mustLoadFleet(t, s, acct)
	// A second account's devices must never leak into the first's counts.
	other, err := s.CreateProviderAccount(t.Context(), ProviderInput{Name: "other", Kind: "sandbox", Credentials: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	mustLoadFleet(t, s, other)
	trees := []struct {
		name, tree string
		want       int64 // checked against eval too; -1 = only eval
	}{
		{"seed 003 example", `{"op":"and","items":[{"field":"region","op":"in","values":["Zhejiang","Shanghai"]},{"op":"not","items":[{"field":"tag","op":"in","values":["test"]}]},{"field":"platform","op":"in","values":["android"]}]}`, -1},
		{"single condition", `{"field":"platform","op":"in","values":["ios"]}`, -1},
		{"platform case-insensitive", `{"field":"platform","op":"in","values":["IOS"]}`, -1},
		{"or of tags", `{"op":"or","items":[{"field":"tag","op":"in","values":["vip"]},{"field":"tag","op":"in","values":["beta"]}]}`, -1},
		{"tag any of", `{"field":"tag","op":"in","values":["vip","beta"]}`, -1},
		{"tag all of", `{"field":"tag","op":"all","values":["vip","beta"]}`, -1},
		{"tag none of", `{"field":"tag","op":"not_in","values":["vip","churn"]}`, -1},
		{"unknown tag", `{"field":"tag","op":"in","values":["nope"]}`, 0},
		{"not unknown tag is everyone", `{"op":"not","items":[{"field":"tag","op":"in","values":["nope"]}]}`, -1},
		{"vendor not in", `{"field":"vendor","op":"not_in","values":["apple","huawei"]}`, -1},
		{"user ids", `{"field":"user_id","op":"in","values":["u0","u5","u10","u11"]}`, -1},
		{"nested or in and", `{"op":"and","items":[{"op":"or","items":[{"field":"region","op":"in","values":["Beijing"]},{"field":"tag","op":"all","values":["vip","test"]}]},{"op":"not","items":[{"field":"vendor","op":"in","values":["oppo"]}]}]}`, -1},
		{"not of or", `{"op":"not","items":[{"op":"or","items":[{"field":"platform","op":"in","values":["ios"]},{"field":"region","op":"in","values":["Guangdong"]}]}]}`, -1},
		{"tag any of many", `{"field":"tag","op":"in","values":["vip","test","beta","churn","nope"]}`, -1},
		{"tag all of many", `{"field":"tag","op":"all","values":["vip","test","beta","churn"]}`, -1},
		{"tag all of many with an unknown one", `{"field":"tag","op":"all","values":["vip","test","beta","churn","nope"]}`, 0},
		{"tag none of many", `{"field":"tag","op":"not_in","values":["vip","test","beta","churn","nope"]}`, -1},
		{"double not", `{"op":"not","items":[{"op":"not","items":[{"field":"tag","op":"in","values":["test"]}]}]}`, -1},
	}
	for _, tc := range trees {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseTree([]byte(tc.tree), "conditions")
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			var wantCIDs []string
			for _, d := range fl {
				if !d.optedOut && eval(n, d) {
					want++
					wantCIDs = append(wantCIDs, d.cid)
				}
			}
			slices.Sort(wantCIDs)
			if tc.want < 0 && (want == 0 || want == int64(len(fl))) {
				t.Fatalf("reference count %d: the case tests nothing", want)
			}
			if tc.want >= 0 && want != tc.want {
				t.Fatalf("reference count %d, test expects %d", want, tc.want)
			}
			got, err := s.CountAudience(t.Context(), acct.ID, Audience{Kind: "conditions", Tree: json.RawMessage(tc.tree)})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("count %d, want %d", got, want)
			}
			// The same tree saved as a segment streams the same cids, in order.
			sg, err := s.CreateSegment(t.Context(), SegmentInput{Name: tc.name, Tree: json.RawMessage(tc.tree)})
			if err != nil {
				t.Fatal(err)
			}
			cids := streamAll(t, s, acct.ID, Audience{Kind: "segment", Values: []string{strconv.FormatInt(sg.ID, 10)}}, 7)
			if !slices.Equal(cids, wantCIDs) {
				t.Errorf("streamed %d cids, want %d\n got %v\nwant %v", len(cids), len(wantCIDs), cids, wantCIDs)
			}
		})
	}
}

func streamAll(t *testing.T, s *Store, providerID int64, a Audience, batch int) []string {
	t.Helper()
	out := []string{}
	err := s.StreamAudience(t.Context(), providerID, a, batch, func(cids []string) error {
		if len(cids) == 0 || len(cids) > batch {
			t.Errorf("batch of %d (limit %d)", len(cids), batch)
		}
		out = append(out, cids...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(out) {
		t.Errorf("stream not in cid order: %v", out)
	}
	return out
}

func TestAudienceKinds(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	fl := mustLoadFleet(t, s, acct)
	ref := func(keep func(d fleetDevice) bool) []string {
		var out []string
		for _, d := range fl {
			if !d.optedOut && keep(d) {
				out = append(out, d.cid)
			}
		}
		slices.Sort(out)
		return out
	}
	var optedCID string
	for _, d := range fl {
		if d.optedOut {
			optedCID = d.cid
			break
		}
	}
	// Every alias of the fleet plus 600 unknown ones: a list that large is
	// matched by scanning, a short one by IN (…); both must agree.
	var bigAliases []string
	for i := range 660 {
		bigAliases = append(bigAliases, "al"+strconv.Itoa(i))
	}
	tests := []struct {
		name string
		a    Audience
		want []string
	}{
		{"all", Audience{Kind: "all"}, ref(func(fleetDevice) bool { return true })},
		{"tag any of", Audience{Kind: "tag", Values: []string{"vip", "churn", "vip"}}, ref(func(d fleetDevice) bool {
			return slices.Contains(d.tags, "vip") || slices.Contains(d.tags, "churn")
		})},
		{"alias short list", Audience{Kind: "alias", Values: []string{"al0", "al4", "al8", "nobody"}}, ref(func(d fleetDevice) bool {
			return d.alias == "al0" || d.alias == "al4" || d.alias == "al8"
		})},
		{"alias long list", Audience{Kind: "alias", Values: bigAliases}, ref(func(d fleetDevice) bool { return d.alias != "" })},
		{"cid list as given, minus opted out", Audience{Kind: "cid", Values: []string{"zz-unknown", "c0003", optedCID, "c0003", "c0001"}},
			[]string{"c0001", "c0003", "zz-unknown"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.CountAudience(t.Context(), acct.ID, tc.a)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(tc.want)) {
				t.Errorf("count %d, want %d", n, len(tc.want))
			}
			for _, batch := range []int{1, 3, 1000} {
				if got := streamAll(t, s, acct.ID, tc.a, batch); !slices.Equal(got, tc.want) {
					t.Errorf("batch %d: streamed %v, want %v", batch, got, tc.want)
				}
			}
		})
	}
}

func TestAudienceValidation(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	big := make([]string, 101)
	for i := range big {
		big[i] = strconv.Itoa(i)
	}
	tests := []struct {
		name  string
		a     Audience
		field string
		id    string
	}{
		{"no kind", Audience{}, "audience.kind", "err.required"},
		{"unknown kind", Audience{Kind: "everyone"}, "audience.kind", "err.choice"},
		{"tag without values", Audience{Kind: "tag"}, "audience.values", "err.required"},
		{"too many tags", Audience{Kind: "tag", Values: big}, "audience.values", "err.too_many"},
		{"over-long cid", Audience{Kind: "cid", Values: []string{strings.Repeat("x", 257)}}, "audience.values", "err.value_too_long"},
		{"segment not a number", Audience{Kind: "segment", Values: []string{"x"}}, "audience.values", "err.segment_unknown"},
		{"segment missing", Audience{Kind: "segment", Values: []string{"99"}}, "audience.values", "err.segment_unknown"},
		{"two segments", Audience{Kind: "segment", Values: []string{"1", "2"}}, "audience.values", "err.segment_one"},
		{"conditions missing", Audience{Kind: "conditions"}, "audience.conditions", "err.required"},
		{"conditions bad field", Audience{Kind: "conditions", Tree: json.RawMessage(`{"field":"os","op":"in","values":["x"]}`)}, "audience.conditions.field", "err.tree_field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CountAudience(t.Context(), acct.ID, tc.a)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field].ID != tc.id {
				t.Fatalf("err = %v, want %s on %s", err, tc.id, tc.field)
			}
		})
	}
}

func TestStreamAudienceStopsOnError(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	mustLoadFleet(t, s, acct)
	stop := errors.New("stop")
	calls := 0
	err := s.StreamAudience(t.Context(), acct.ID, Audience{Kind: "all"}, 10, func([]string) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	// fn may write while the stream runs (no cursor is held open).
	err = s.StreamAudience(t.Context(), acct.ID, Audience{Kind: "all"}, 50, func(cids []string) error {
		_, err := s.TagDevices(t.Context(), acct.ID, cids[:1], []string{"seen"}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

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

// TestTagBlocksLargeIDs: tag ids beyond 2^31 and device ids beyond 2^32
// (the ids only SQLite bounds) keep their membership, found by tag
// audiences and by the audience page's member list.
func TestTagBlocksLargeIDs(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	ctx := t.Context()
	if err := s.DB().Exec(`INSERT INTO tags (id, provider_id, name, devices) VALUES (?, ?, 'big', 0)`, int64(1)<<31, acct.ID).Error; err != nil {
		t.Fatal(err)
	}
	// A device at id 2^40 makes the next ones 2^40+1, 2^40+2, …
	if err := s.DB().Exec(`INSERT INTO devices (id, provider_id, cid, created_at, updated_at) VALUES (?, ?, 'd0', 0, 0)`, int64(1)<<40, acct.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(`INSERT INTO device_counts (provider_id, devices) VALUES (?, 1)`, acct.ID).Error; err != nil {
		t.Fatal(err)
	}
	tags := func(v ...string) *[]string { return &v }
	in := []DeviceInput{{CID: "d1", Tags: tags("big", "small")}, {CID: "d2", Tags: tags("small")}, {CID: "d3", Tags: tags("big")}}
	if _, err := s.UpsertDevices(ctx, acct.ID, in); err != nil {
		t.Fatal(err)
	}
	for tag, want := range map[string]int64{"big": 2, "small": 2} {
		if n, err := s.CountAudience(ctx, acct.ID, Audience{Kind: "tag", Values: []string{tag}}); err != nil || n != want {
			t.Errorf("tag %s: %d devices (%v), want %d", tag, n, err, want)
		}
	}
	assertTagCounts(t, s, acct)
	ids, err := s.tagMembers(ctx, int64(1)<<31)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{1<<40 + 1, 1<<40 + 3}; !slices.Equal(ids, want) {
		t.Errorf("members of big: %v, want %v", ids, want)
	}
}

// TestTagBlockForms: a block is a list of offsets up to 63 members and a
// bitmap from 64, both ways; malformed values are refused.
func TestTagBlockForms(t *testing.T) {
	var tb tagBlock
	if tb.encode() != nil {
		t.Error("an empty block encodes to something")
	}
	var want []int64
	for i := range int64(64) {
		o := (i*389 + 7) % tagBlockDevices // scattered, and 1023 among them
		tb.set(o)
		want = append(want, o)
		slices.Sort(want)
		enc := tb.encode()
		if n := len(want); (n <= 63 && len(enc) != 2*n) || (n > 63 && len(enc) != tagBitmapBytes) {
			t.Fatalf("%d members: %d bytes", n, len(enc))
		}
		back, err := decodeTagBlock(enc)
		if err != nil || !slices.Equal(back.offsets(nil), want) {
			t.Fatalf("%d members: decoded %v (%v), want %v", len(want), back.offsets(nil), err, want)
		}
	}
	tb.clear(want[0])
	if enc := tb.encode(); len(enc) != 126 {
		t.Errorf("back to 63 members: %d bytes, want the 126-byte list", len(enc))
	}
	for _, bad := range [][]byte{{1}, {0x04, 0x00}, make([]byte, 130), make([]byte, 127)} {
		if _, err := decodeTagBlock(bad); err == nil {
			t.Errorf("%x accepted", bad)
		}
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
	if err := s.DB().Raw(`SELECT count(*) FROM devices WHERE typeof(created_at) <> 'integer' OR typeof(updated_at) <> 'integer'
		OR typeof(coalesce(last_seen_at, 0)) <> 'integer'`).Scan(&text).Error; err != nil || text != 0 {
		t.Errorf("%d devices with non-integer times (%v)", text, err)
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
