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
		{"GeTui's documented example", `{"op":"and","items":[{"field":"region","op":"in","values":["Zhejiang","Shanghai"]},{"op":"not","items":[{"field":"tag","op":"in","values":["test"]}]},{"field":"platform","op":"in","values":["android"]}]}`, -1},
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
