package models

import (
	"maps"
	"strconv"
	"testing"
)

func TestCIDSet(t *testing.T) {
	c := newCIDSet()
	const n = 50_000 // past several growths from 1,024 slots
	for i := range n {
		if _, dup := c.add("cid-"+strconv.Itoa(i), uint32(i+2)); dup {
			t.Fatalf("cid %d reported as a duplicate", i)
		}
	}
	if c.n != n || c.n*5 > len(c.keys)*4 {
		t.Fatalf("%d entries in %d slots", c.n, len(c.keys))
	}
	for i := range n {
		first, dup := c.add("cid-"+strconv.Itoa(i), 1)
		if !dup || first != uint32(i+2) {
			t.Fatalf("cid %d: got line %d, duplicate %v", i, first, dup)
		}
	}
}

// The CSV reader writes attributes to their stored form itself; a device
// imported from a file and the same set written through the JSON upsert
// must be the same text, or every re-import would count as a change.
func TestImportCSVStoredAttributesMatchUpsert(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	csv := "cid,zeta,Alpha,quote,mid\nA, spaced ,\"say \"\"hi\"\"\",back\\slash,中文\nB,,,,\n"
	if res := importString(t, s, acct, csv, ImportOptions{}); res.Imported != 2 || res.RejectedTotal != 0 {
		t.Fatalf("import: %+v", res)
	}
	want := Attributes{"zeta": "spaced", "Alpha": `say "hi"`, "quote": `back\slash`, "mid": "中文"}
	d, err := s.DeviceByCID(t.Context(), acct.ID, "A")
	if err != nil || !maps.Equal(d.Attributes, want) {
		t.Fatalf("got %v, want %v (%v)", d.Attributes, want, err)
	}
	res, err := s.UpsertDevices(t.Context(), acct.ID, []DeviceInput{{CID: "A", Attributes: &want}, {CID: "B", Attributes: &Attributes{}}})
	if err != nil || res.Unchanged != 2 {
		t.Errorf("upsert of the same sets: %+v %v", res, err)
	}
	if res := importString(t, s, acct, csv, ImportOptions{}); res.Unchanged != 2 {
		t.Errorf("re-import: %+v", res.UpsertResult)
	}
}
