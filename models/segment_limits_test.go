package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// wideTagTree is an "and" of conds conditions, each "tag in" n names
// (short ones, so the tree stays under MaxTreeBytes) with extra names
// added to every condition.
func wideTagTree(conds, n int, extra ...string) string {
	var items []string
	for range conds {
		vals := make([]string, 0, n+len(extra))
		for i := range n - len(extra) {
			vals = append(vals, strconv.FormatInt(int64(i), 36))
		}
		vals = append(vals, extra...)
		b, _ := json.Marshal(vals)
		items = append(items, `{"field":"tag","op":"in","values":`+string(b)+`}`)
	}
	return `{"op":"or","items":[` + strings.Join(items, ",") + `]}`
}

// TestTreeValueLimits: the values of a whole tree are capped (a 422 on the
// condition that crosses the cap), and a long tag list is one expression,
// not one term a value, so SQLite takes it.
func TestTreeValueLimits(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	fl := mustLoadFleet(t, s, acct)
	t.Run("12 × 900 values refused", func(t *testing.T) {
		raw := wideTagTree(12, 900)
		if len(raw) > MaxTreeBytes {
			t.Fatalf("the test tree is %d bytes, over MaxTreeBytes", len(raw))
		}
		_, err := s.CountAudience(t.Context(), acct.ID, Audience{Kind: "conditions", Tree: json.RawMessage(raw)})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["audience.conditions.items[5].values"].ID != "err.tree_too_many_values" {
			t.Fatalf("err = %v, want err.tree_too_many_values on the sixth condition", err)
		}
	})
	vipOrBeta := 0
	for _, d := range fl {
		if !d.optedOut && (strings.Contains(strings.Join(d.tags, ","), "vip") || strings.Contains(strings.Join(d.tags, ","), "beta")) {
			vipOrBeta++
		}
	}
	for _, tc := range []struct {
		name  string
		conds int
		n     int
	}{
		{"one condition of 990 tags", 1, 990},
		{"5 × 900 tags", 5, 900},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := wideTagTree(tc.conds, tc.n, "vip", "beta")
			got, err := s.CountAudience(t.Context(), acct.ID, Audience{Kind: "conditions", Tree: json.RawMessage(raw)})
			if err != nil {
				t.Fatal(err)
			}
			if got != int64(vipOrBeta) {
				t.Fatalf("count %d, want %d", got, vipOrBeta)
			}
		})
	}
}

// BenchmarkWideTagTree counts an "or" of 5 conditions of 900 tag names
// each (4,500 values, under MaxTreeTotalValues), 300 of them real tags,
// over benchRows() devices.
func BenchmarkWideTagTree(b *testing.B) {
	s, acct := benchStore(b, benchRows())
	extra := make([]string, 0, 300)
	for i := range 300 {
		extra = append(extra, fmt.Sprintf("t%d", i))
	}
	raw := json.RawMessage(wideTagTree(5, 900, extra...))
	var n int64
	for b.Loop() {
		var err error
		n, err = s.CountAudience(b.Context(), acct.ID, Audience{Kind: "conditions", Tree: raw})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "matched")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/count")
}

// FuzzTreeLimits builds trees of many conditions with many values each:
// a tree is either refused with a field error or within every limit, and
// then SQLite counts it without error (no expression SQLite refuses, no
// parameter overflow).
func FuzzTreeLimits(f *testing.F) {
	for _, seed := range []struct {
		conds   uint8
		per     uint16
		op      uint8
		prefix  string
		mixTags bool
	}{
		{1, 990, 0, "", true}, {12, 900, 0, "", false}, {5, 900, 1, "t", true}, {6, 834, 2, "", true},
		{100, 50, 0, "", false}, {101, 1, 0, "x", false}, {3, 1001, 1, "", false}, {20, 250, 2, "vip", true},
	} {
		f.Add(seed.conds, seed.per, seed.op, seed.prefix, seed.mixTags)
	}
	s := mustOpenStore(f)
	acct := mustCreateAccount(f, s)
	mustLoadFleet(f, s, acct)
	f.Fuzz(func(t *testing.T, conds uint8, per uint16, op uint8, prefix string, mixTags bool) {
		nConds, nVals := int(conds%120)+1, int(per%1100)+1
		items := make([]Node, 0, nConds)
		for c := range nConds {
			vals := make([]string, 0, nVals)
			for i := range nVals {
				vals = append(vals, prefix+strconv.FormatInt(int64(i), 36))
			}
			if mixTags {
				vals = append(vals, "vip", "beta")
			}
			field := "tag"
			if c%3 == 2 {
				field = "region"
			}
			o := []string{"in", "not_in", "all"}[(int(op)+c)%3]
			if field != "tag" && o == "all" {
				o = "in"
			}
			items = append(items, Node{Field: field, Op: o, Values: vals})
		}
		raw, err := json.Marshal(Node{Op: "or", Items: items})
		if err != nil {
			t.Fatal(err)
		}
		tree, err := ParseTree(raw, "tree")
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		total := 0
		for _, it := range tree.Items {
			if len(it.Values) > MaxTreeValues {
				t.Fatalf("a condition of %d values was accepted", len(it.Values))
			}
			total += len(it.Values)
		}
		if total > MaxTreeTotalValues || len(tree.Items)+1 > MaxTreeNodes {
			t.Fatalf("a tree of %d values and %d nodes was accepted", total, len(tree.Items)+1)
		}
		if _, err := s.CountAudience(t.Context(), acct.ID, Audience{Kind: "conditions", Tree: raw}); err != nil {
			t.Fatalf("count of an accepted tree: %v", err)
		}
	})
}
