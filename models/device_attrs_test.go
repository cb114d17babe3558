package models

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

func attrsPtr(kv ...string) *Attributes {
	a := Attributes{}
	for i := 0; i+1 < len(kv); i += 2 {
		a[kv[i]] = kv[i+1]
	}
	return &a
}

func TestAttributeLimits(t *testing.T) {
	many := Attributes{}
	for i := range MaxDeviceAttrs + 1 {
		many["a"+strings.Repeat("x", i%60)+string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	cases := []struct {
		name  string
		attrs *Attributes
		want  string // error id at "attributes", "" for valid
	}{
		{"plain", attrsPtr("plan", "gold", "Score_2", "12.5"), ""},
		{"empty value dropped", attrsPtr("plan", "  "), ""},
		{"longest name", attrsPtr(strings.Repeat("n", MaxAttrNameLen), "v"), ""},
		{"name too long", attrsPtr(strings.Repeat("n", MaxAttrNameLen+1), "v"), "err.attr_name"},
		{"name with dash", attrsPtr("my-plan", "v"), "err.attr_name"},
		{"name not ASCII", attrsPtr("套餐", "v"), "err.attr_name"},
		{"fixed field name", attrsPtr("Region", "v"), "err.attr_name_reserved"},
		{"longest value", attrsPtr("plan", strings.Repeat("v", MaxAttrValueLen)), ""},
		{"value too long", attrsPtr("plan", strings.Repeat("v", MaxAttrValueLen+1)), "err.attr_value_too_long"},
		{"control character", attrsPtr("plan", "a\x01b"), "err.attr_value_control"},
		{"too many", &many, "err.attr_too_many"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := DeviceInput{CID: "c", Attributes: tc.attrs}
			in.Normalize()
			v := &ValidationError{}
			in.Validate(v, "")
			if got := fieldIDs(v.Err())["attributes"]; got != tc.want {
				t.Errorf("got %q, want %q (%v)", got, tc.want, v.Err())
			}
		})
	}
}

func TestUpsertAttributes(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	ctx := t.Context()
	upsert := func(in DeviceInput) UpsertResult {
		t.Helper()
		res, err := s.UpsertDevices(ctx, acct.ID, []DeviceInput{in})
		if err != nil {
			t.Fatalf("upsert: %v", err)
		}
		return res
	}
	attrsOf := func() Attributes {
		t.Helper()
		d, err := s.DeviceByCID(ctx, acct.ID, "c1")
		if err != nil {
			t.Fatal(err)
		}
		return d.Attributes
	}
	if res := upsert(DeviceInput{CID: "c1", Attributes: attrsPtr("plan", "gold", "score", "42")}); res.Imported != 1 {
		t.Fatalf("first upsert: %+v", res)
	}
	t.Run("stored", func(t *testing.T) {
		if got := attrsOf(); !maps.Equal(got, Attributes{"plan": "gold", "score": "42"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("same set is unchanged", func(t *testing.T) {
		if res := upsert(DeviceInput{CID: "c1", Attributes: attrsPtr("score", "42", "plan", "gold")}); res.Unchanged != 1 {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("absent keeps", func(t *testing.T) {
		alias := "x"
		if res := upsert(DeviceInput{CID: "c1", Alias: &alias}); res.Updated != 1 {
			t.Errorf("got %+v", res)
		}
		if got := attrsOf(); len(got) != 2 {
			t.Errorf("attributes lost: %v", got)
		}
	})
	t.Run("object replaces", func(t *testing.T) {
		if res := upsert(DeviceInput{CID: "c1", Attributes: attrsPtr("tier", "3")}); res.Updated != 1 {
			t.Errorf("got %+v", res)
		}
		if got := attrsOf(); !maps.Equal(got, Attributes{"tier": "3"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("empty object clears", func(t *testing.T) {
		upsert(DeviceInput{CID: "c1", Attributes: attrsPtr()})
		got := attrsOf()
		if len(got) != 0 {
			t.Errorf("got %v", got)
		}
		if b, err := json.Marshal(got); err != nil || string(b) != "{}" {
			t.Errorf("JSON %s %v", b, err)
		}
	})
	t.Run("invalid writes nothing", func(t *testing.T) {
		_, err := s.UpsertDevices(ctx, acct.ID, []DeviceInput{{CID: "c2"}, {CID: "c3", Attributes: attrsPtr("bad name", "v")}})
		if got := fieldIDs(err)["[1].attributes"]; got != "err.attr_name" {
			t.Errorf("got %v", err)
		}
		if _, err := s.DeviceByCID(ctx, acct.ID, "c2"); err == nil {
			t.Error("c2 written")
		}
	})
}

func TestImportCSVAttributes(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	csv := "cid,Plan,score,region\nA,gold,12.5,Zhejiang\nB,,7,Shanghai\nC,silver,,\n"
	res := importString(t, s, acct, csv, ImportOptions{})
	if res.Imported != 3 || res.RejectedTotal != 0 {
		t.Fatalf("import: %+v", res)
	}
	want := map[string]Attributes{"A": {"Plan": "gold", "score": "12.5"}, "B": {"score": "7"}, "C": {"Plan": "silver"}}
	for cid, w := range want {
		d, err := s.DeviceByCID(t.Context(), acct.ID, cid)
		if err != nil || !maps.Equal(d.Attributes, w) {
			t.Errorf("%s: got %v, want %v (%v)", cid, d.Attributes, w, err)
		}
	}
	t.Run("re-import is unchanged", func(t *testing.T) {
		if res := importString(t, s, acct, csv, ImportOptions{}); res.Unchanged != 3 || res.Updated != 0 {
			t.Errorf("got %+v", res.UpsertResult)
		}
	})
	t.Run("a changed value updates", func(t *testing.T) {
		res := importString(t, s, acct, "cid,Plan,score,region\nA,gold,13,Zhejiang\nB,,7,Shanghai\n", ImportOptions{})
		if res.Updated != 1 || res.Unchanged != 1 {
			t.Errorf("got %+v", res.UpsertResult)
		}
		if d, _ := s.DeviceByCID(t.Context(), acct.ID, "A"); !maps.Equal(d.Attributes, Attributes{"Plan": "gold", "score": "13"}) {
			t.Errorf("got %v", d.Attributes)
		}
	})
	t.Run("a file without attribute columns keeps them", func(t *testing.T) {
		importString(t, s, acct, "cid,region\nA,Beijing\n", ImportOptions{})
		if d, _ := s.DeviceByCID(t.Context(), acct.ID, "A"); d.Attributes["Plan"] != "gold" {
			t.Errorf("got %v", d.Attributes)
		}
	})
	t.Run("an over-long value rejects the row", func(t *testing.T) {
		res := importString(t, s, acct, "cid,plan\nD,"+strings.Repeat("v", MaxAttrValueLen+1)+"\n", ImportOptions{})
		if got := rejected(res); len(got) != 1 || got[0] != "2:attributes:err.attr_value_too_long" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("too many attribute columns", func(t *testing.T) {
		cols := []string{"cid"}
		for i := range MaxDeviceAttrs + 1 {
			cols = append(cols, "a"+strings.Repeat("b", i))
		}
		_, err := s.ImportCSV(t.Context(), acct.ID, strings.NewReader(strings.Join(cols, ",")+"\n"), ImportOptions{})
		if got := fieldIDs(err)["header"]; got != "err.attr_too_many" {
			t.Errorf("got %v", err)
		}
	})
}
