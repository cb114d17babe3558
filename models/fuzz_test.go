package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzSegmentParse feeds arbitrary bytes to ParseTree: it must never
// panic, and every tree it accepts must compile to SQL that SQLite runs,
// and survive a JSON round trip unchanged.
func FuzzSegmentParse(f *testing.F) {
	for _, seed := range []string{
		`{"op":"and","items":[{"field":"region","op":"in","values":["Zhejiang","Shanghai"]},{"op":"not","items":[{"field":"tag","op":"in","values":["test"]}]},{"field":"platform","op":"in","values":["android"]}]}`,
		`{"field":"tag","op":"all","values":["a","b"]}`,
		`{"op":"or","items":[{"field":"user_id","op":"not_in","values":["1"]},{"field":"vendor","op":"in","values":["HUAWEI"]}]}`,
		`{"op":"not","items":[]}`, `{"op":"and"}`, `[]`, `null`, `{"field":"os"}`, `{"op":"in","field":"tag","values":["x"],"items":[]}`,
		`{"op":"not","items":[{"op":"not","items":[{"op":"not","items":[{"op":"not","items":[{"op":"not","items":[{"op":"not","items":[{"field":"tag","op":"in","values":["x"]}]}]}]}]}]}]}`,
		`{"field":"tag","op":"in","values":["'; DROP TABLE devices; --"]}`, "{\"field\":\"region\",\"op\":\"in\",\"values\":[\"\xff\"]}",
	} {
		f.Add([]byte(seed))
	}
	s := mustOpenStore(f)
	acct := mustCreateAccount(f, s)
	mustLoadFleet(f, s, acct)
	f.Fuzz(func(t *testing.T, raw []byte) {
		n, err := ParseTree(raw, "tree")
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		again, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		n2, err := ParseTree(again, "tree")
		if err != nil {
			t.Fatalf("re-parse of %s: %v", again, err)
		}
		if again2, _ := json.Marshal(n2); !bytes.Equal(again, again2) {
			t.Fatalf("round trip changed the tree: %s → %s", again, again2)
		}
		if _, err := s.CountAudience(t.Context(), acct.ID, Audience{Kind: "conditions", Tree: raw}); err != nil {
			t.Fatalf("count of an accepted tree %s: %v", raw, err)
		}
	})
}

// FuzzCSVImport feeds arbitrary bytes to ImportCSV: it must never panic or
// fail with anything but a file-level field error, rejected lines are in
// order and after the header, and the counts add up.
func FuzzCSVImport(f *testing.F) {
	for _, seed := range []string{
		"cid,platform,tags\nA,ios,vip;beta\nB,android,\n",
		"\uFEFFcid,alias\r\nA,x\r\n\"B,1\",\"y\nz\"\r\n",
		"cid\nA\nA\n", "cid,platform\nA\nB,ios,extra\n", "cid,alias\nA,x\"y\n", "cid,\"alias\n", "", "alias\nx\n",
		"cid,tags\n\xff,\n", "cid,region\nA," + string(bytes.Repeat([]byte("r"), 70)) + "\n",
	} {
		f.Add([]byte(seed))
	}
	s := mustOpenStore(f)
	acct := mustCreateAccount(f, s)
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := s.ImportCSV(t.Context(), acct.ID, bytes.NewReader(raw), ImportOptions{TxRows: 3, MaxRejections: 5})
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields["header"].ID == "" {
				t.Fatalf("import error that is not a header problem: %v", err)
			}
			return
		}
		last := int64(1)
		for _, r := range res.Rejected {
			if r.Line <= last {
				t.Fatalf("rejection lines out of order: %+v", res.Rejected)
			}
			last = r.Line
		}
		if int64(len(res.Rejected)) > res.RejectedTotal || len(res.Rejected) > 5 {
			t.Fatalf("kept %d of %d rejections", len(res.Rejected), res.RejectedTotal)
		}
		if res.Imported < 0 || res.Updated < 0 || res.Unchanged < 0 {
			t.Fatalf("counts %+v", res.UpsertResult)
		}
	})
}
