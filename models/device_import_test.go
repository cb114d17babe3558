package models

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// importString imports a CSV text into the account.
func importString(t testing.TB, s *Store, acct ProviderAccount, csv string, opt ImportOptions) ImportResult {
	t.Helper()
	res, err := s.ImportCSV(context.Background(), acct.ID, strings.NewReader(csv), opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

// rejected renders rejections as "line:field:id" for comparison.
func rejected(res ImportResult) []string {
	out := []string{}
	for _, r := range res.Rejected {
		out = append(out, fmt.Sprintf("%d:%s:%s", r.Line, r.Field, r.ID))
	}
	return out
}

func TestImportCSVRows(t *testing.T) {
	long := strings.Repeat("x", 257)
	manyTags := strings.TrimSuffix(strings.Repeat("t;", 0), ";")
	for i := range 101 {
		manyTags += fmt.Sprintf("tag%d;", i)
	}
	tests := []struct {
		name     string
		csv      string
		imported int64
		rejected []string
		check    func(t *testing.T, s *Store, acct ProviderAccount)
	}{
		{name: "BOM and LF", csv: "\uFEFFcid,platform\nA,ios\nB,Android\n", imported: 2, check: func(t *testing.T, s *Store, a ProviderAccount) {
			wantDevice(t, s, a, "B", func(d Device) bool { return d.Platform == "android" })
		}},
		{name: "CRLF", csv: "cid,tags\r\nA,x;y\r\nB,\r\n", imported: 2, check: func(t *testing.T, s *Store, a ProviderAccount) {
			wantDevice(t, s, a, "A", func(d Device) bool { return slices.Equal(d.Tags, []string{"x", "y"}) })
			wantDevice(t, s, a, "B", func(d Device) bool { return len(d.Tags) == 0 })
		}},
		{name: "columns in any order and case", csv: "Tags, REGION ,cid\nvip,Zhejiang,A\n", imported: 1, check: func(t *testing.T, s *Store, a ProviderAccount) {
			wantDevice(t, s, a, "A", func(d Device) bool { return d.Region == "Zhejiang" && slices.Equal(d.Tags, []string{"vip"}) })
		}},
		{name: "quoted commas and newlines keep physical lines", csv: "cid,region,tags\n\"A,1\",\"Hangzhou, Zhejiang\",\"a;b\"\nB,\"Zhe\njiang\",\nC,x,\n",
			imported: 2, rejected: []string{"3:region:err.audience_control"}, check: func(t *testing.T, s *Store, a ProviderAccount) {
				wantDevice(t, s, a, "A,1", func(d Device) bool { return d.Region == "Hangzhou, Zhejiang" })
			}},
		{name: "wrong column count", csv: "cid,platform\nA\nB,ios,extra\nC,ios\n", imported: 1,
			rejected: []string{"2::err.csv_columns", "3::err.csv_columns"}},
		{name: "invalid UTF-8", csv: "cid,alias\n\xff\xfe,a\nB,\xc3\x28\nC,ok\n", imported: 1,
			rejected: []string{"2:cid:err.audience_utf8", "3:alias:err.audience_utf8"}},
		{name: "over-long fields", csv: "cid,alias,tags\n" + long + ",a,\nB," + strings.Repeat("a", 129) + ",\nC,," + strings.Repeat("t", 65) + "\nD,," + manyTags + "\nE,,\n",
			imported: 1, rejected: []string{"2:cid:err.too_long_bytes", "3:alias:err.too_long_bytes", "4:tags:err.too_long_bytes", "5:tags:err.too_many"}},
		{name: "unknown platform and missing cid", csv: "cid,platform\nA,windows\n,ios\n  ,ios\nB,\n", imported: 1,
			rejected: []string{"2:platform:err.audience_platform", "3:cid:err.required", "4:cid:err.required"}, check: func(t *testing.T, s *Store, a ProviderAccount) {
				wantDevice(t, s, a, "B", func(d Device) bool { return d.Platform == "other" })
			}},
		{name: "duplicate cids in one file", csv: "cid\nA\nB\nA\nB\nC\n", imported: 3,
			rejected: []string{"4:cid:err.csv_duplicate_cid", "5:cid:err.csv_duplicate_cid"}},
		{name: "bare quote", csv: "cid,alias\nA,x\"y\nB,ok\n", imported: 1, rejected: []string{"2::err.csv_syntax"}},
		{name: "tags trimmed and de-duplicated", csv: "cid,tags\nA, vip ;vip;;beta\n", imported: 1, check: func(t *testing.T, s *Store, a ProviderAccount) {
			wantDevice(t, s, a, "A", func(d Device) bool { return slices.Equal(d.Tags, []string{"beta", "vip"}) })
		}},
		{name: "header only", csv: "cid\n", imported: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustOpenStore(t)
			acct := mustCreateAccount(t, s)
			res := importString(t, s, acct, tc.csv, ImportOptions{TxRows: 2})
			if res.Imported != tc.imported {
				t.Errorf("imported %d, want %d (%+v)", res.Imported, tc.imported, res)
			}
			want := tc.rejected
			if want == nil {
				want = []string{}
			}
			if got := rejected(res); !slices.Equal(got, want) {
				t.Errorf("rejected %v, want %v", got, want)
			}
			if res.RejectedTotal != int64(len(want)) {
				t.Errorf("rejected total %d, want %d", res.RejectedTotal, len(want))
			}
			if n, err := s.CountDevices(t.Context(), acct.ID); err != nil || n != tc.imported {
				t.Errorf("devices stored %d (%v), want %d", n, err, tc.imported)
			}
			if tc.check != nil {
				tc.check(t, s, acct)
			}
			// Re-importing the same file changes nothing.
			again := importString(t, s, acct, tc.csv, ImportOptions{})
			if again.Imported != 0 || again.Updated != 0 || again.Unchanged != tc.imported {
				t.Errorf("re-import: %+v, want all %d unchanged", again.UpsertResult, tc.imported)
			}
			assertTagCounts(t, s, acct)
		})
	}
}

func wantDevice(t *testing.T, s *Store, a ProviderAccount, cid string, ok func(Device) bool) {
	t.Helper()
	d, err := s.DeviceByCID(t.Context(), a.ID, cid)
	if err != nil {
		t.Fatalf("device %q: %v", cid, err)
	}
	if !ok(d) {
		t.Errorf("device %q: %+v", cid, d)
	}
}

// assertTagCounts checks the kept counts against tag_blocks, and
// tag_blocks against every device's tag_ids: each block in its one
// canonical form, no block of a tag that is gone or of a device that is.
func assertTagCounts(t *testing.T, s *Store, a ProviderAccount) {
	t.Helper()
	var blocks []struct {
		TagID int64
		Block int64
		Bits  []byte
	}
	if err := s.DB().Raw(`SELECT tag_id, block, bits FROM tag_blocks ORDER BY tag_id, block`).Scan(&blocks).Error; err != nil {
		t.Fatal(err)
	}
	var tags []struct {
		ID         int64
		ProviderID int64
		Devices    int64
	}
	if err := s.DB().Raw(`SELECT id, provider_id, devices FROM tags`).Scan(&tags).Error; err != nil {
		t.Fatal(err)
	}
	tagOf := map[int64]int64{} // tag id → account
	members := map[int64]int64{}
	for _, tg := range tags {
		tagOf[tg.ID] = tg.ProviderID
	}
	carried := map[int64][]int64{} // device → tag ids, from the blocks
	for _, b := range blocks {
		if _, ok := tagOf[b.TagID]; !ok {
			t.Errorf("block %d of tag %d, which is gone", b.Block, b.TagID)
			continue
		}
		tb, err := decodeTagBlock(b.Bits)
		if err != nil {
			t.Fatalf("tag %d block %d: %v", b.TagID, b.Block, err)
		}
		if enc := tb.encode(); !bytes.Equal(enc, b.Bits) {
			t.Errorf("tag %d block %d not in its canonical form: %x, want %x", b.TagID, b.Block, b.Bits, enc)
		}
		for _, o := range tb.offsets(nil) {
			members[b.TagID]++
			id := b.Block<<tagBlockShift | o
			carried[id] = append(carried[id], b.TagID)
		}
	}
	for _, tg := range tags {
		if tg.ProviderID == a.ID && tg.Devices != members[tg.ID] {
			t.Errorf("tag %d: count %d, members %d", tg.ID, tg.Devices, members[tg.ID])
		}
	}
	var kept, real int64
	if err := s.DB().Raw(`SELECT coalesce((SELECT devices FROM device_counts WHERE provider_id = ?), 0)`, a.ID).Scan(&kept).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Raw(`SELECT COUNT(*) FROM devices WHERE provider_id = ?`, a.ID).Scan(&real).Error; err != nil {
		t.Fatal(err)
	}
	if kept != real {
		t.Errorf("device count kept %d, real %d", kept, real)
	}
	// Every device's tag_ids lists exactly the tags whose blocks hold it,
	// and every member is a device of the tag's account.
	var devs []struct {
		ID         int64
		ProviderID int64
		TagIDs     string
	}
	if err := s.DB().Raw(`SELECT id, provider_id, tag_ids FROM devices`).Scan(&devs).Error; err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		got := carried[d.ID]
		slices.Sort(got)
		if want := decodeTagIDs(d.TagIDs); !slices.Equal(got, want) {
			t.Errorf("device %d: tag_ids %q, blocks say %v", d.ID, d.TagIDs, got)
		}
		for _, tg := range got {
			if tagOf[tg] != d.ProviderID {
				t.Errorf("device %d of account %d carries tag %d of account %d", d.ID, d.ProviderID, tg, tagOf[tg])
			}
		}
		delete(carried, d.ID)
	}
	for id, tg := range carried {
		t.Errorf("tags %v hold device %d, which is gone", tg, id)
	}
}

func TestImportCSVFileErrors(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	tests := []struct {
		name, csv, field, id string
	}{
		{"empty file", "", "header", "err.csv_empty"},
		{"BOM only", "\uFEFF", "header", "err.csv_empty"},
		{"no cid column", "alias,platform\na,ios\n", "header", "err.csv_no_cid"},
		{"reserved column name", "cid,tag\nA,x\n", "header", "err.attr_name_reserved"},
		{"bad attribute column name", "cid,no-dash\nA,x\n", "header", "err.attr_name"},
		{"duplicate column", "cid,alias,alias\nA,x,y\n", "header", "err.csv_duplicate_column"},
		{"broken header", "cid,\"alias\nA\n", "header", "err.csv_syntax"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ImportCSV(t.Context(), acct.ID, strings.NewReader(tc.csv), ImportOptions{})
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field].ID != tc.id {
				t.Fatalf("err = %v, want %s on %s", err, tc.id, tc.field)
			}
		})
	}
	t.Run("unknown account", func(t *testing.T) {
		_, err := s.ImportCSV(t.Context(), 9999, strings.NewReader("cid\nA\n"), ImportOptions{})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["provider_id"].ID != "err.provider_unknown" {
			t.Fatalf("err = %v", err)
		}
	})
	if n, _ := s.CountDevices(t.Context(), acct.ID); n != 0 {
		t.Errorf("a refused file wrote %d devices", n)
	}
}

func TestImportCSVUpdatesAndKeeps(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	ctx := t.Context()
	first := "cid,alias,user_id,platform,vendor,region,tags\nA,al,u1,ios,Apple,Zhejiang,vip;beta\nB,,u2,android,huawei,Shanghai,vip\nC,,,other,,,\n"
	res := importString(t, s, acct, first, ImportOptions{})
	if res.Imported != 3 {
		t.Fatalf("first import %+v", res)
	}
	wantDevice(t, s, acct, "A", func(d Device) bool { return d.Vendor == "apple" && d.UserID == "u1" })
	// A: tags change; B: platform changes; C unchanged.
	second := "cid,platform,tags\nA,ios,vip\nB,ios,vip\nC,other,\n"
	res = importString(t, s, acct, second, ImportOptions{})
	if res.Imported != 0 || res.Updated != 2 || res.Unchanged != 1 {
		t.Fatalf("second import %+v", res.UpsertResult)
	}
	// Columns absent from the file are kept.
	wantDevice(t, s, acct, "A", func(d Device) bool {
		return d.Region == "Zhejiang" && d.Alias == "al" && slices.Equal(d.Tags, []string{"vip"})
	})
	wantDevice(t, s, acct, "B", func(d Device) bool { return d.Platform == "ios" && d.Vendor == "huawei" })
	tags, err := s.ListTags(ctx, acct.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tags, []TagCount{{"vip", 2}}) {
		t.Errorf("tags %+v, want only vip on 2 (beta dropped with its last device)", tags)
	}
	assertTagCounts(t, s, acct)
}

func TestImportCSVRejectionLimitAndProgress(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	var sb strings.Builder
	sb.WriteString("cid,platform\n")
	for i := range 150 {
		fmt.Fprintf(&sb, "bad%d,windows\n", i)
		fmt.Fprintf(&sb, "good%d,ios\n", i)
	}
	var calls int
	var last ImportProgress
	res := importString(t, s, acct, sb.String(), ImportOptions{TxRows: 40, Progress: func(p ImportProgress) {
		calls++
		if p.Rows < last.Rows || p.Bytes < last.Bytes {
			t.Errorf("progress went back: %+v after %+v", p, last)
		}
		last = p
	}})
	if res.Imported != 150 || res.RejectedTotal != 150 || len(res.Rejected) != 100 {
		t.Fatalf("imported %d rejected %d (%d kept)", res.Imported, res.RejectedTotal, len(res.Rejected))
	}
	if res.Rejected[0].Line != 2 || res.Rejected[99].Line != 200 {
		t.Errorf("first rejections by line: %d … %d", res.Rejected[0].Line, res.Rejected[99].Line)
	}
	if calls < 4 || last.Rows != 300 || last.Bytes != int64(sb.Len()) || last.Result.Imported != 150 {
		t.Errorf("progress: %d calls, last %+v", calls, last)
	}
}

func TestUpsertDevicesValidation(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	str := func(v string) *string { return &v }
	tags := func(v ...string) *[]string { return &v }
	_, err := s.UpsertDevices(t.Context(), acct.ID, []DeviceInput{
		{CID: "A", Platform: str("ios")},
		{CID: "", Platform: str("ios")},
		{CID: "C", Platform: str("symbian")},
		{CID: "A"},
		{CID: "E", Tags: tags("ok", "semi;colon")},
	})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	want := map[string]string{"[1].cid": "err.required", "[2].platform": "err.audience_platform", "[3].cid": "err.audience_duplicate_cid", "[4].tags": "err.audience_tag_semicolon"}
	for k, id := range want {
		if ve.Fields[k].ID != id {
			t.Errorf("%s: %q, want %q (all: %v)", k, ve.Fields[k].ID, id, ve)
		}
	}
	if n, _ := s.CountDevices(t.Context(), acct.ID); n != 0 {
		t.Errorf("an invalid batch wrote %d devices", n)
	}
	res, err := s.UpsertDevices(t.Context(), acct.ID, []DeviceInput{{CID: "A", Tags: tags("x")}, {CID: "B"}})
	if err != nil || res.Imported != 2 {
		t.Fatalf("upsert: %+v %v", res, err)
	}
	// An absent field keeps the stored value; opted_out can be set.
	yes := true
	res, err = s.UpsertDevices(t.Context(), acct.ID, []DeviceInput{{CID: "A", OptedOut: &yes}, {CID: "B"}})
	if err != nil || res.Updated != 1 || res.Unchanged != 1 {
		t.Fatalf("second upsert: %+v %v", res, err)
	}
	wantDevice(t, s, acct, "A", func(d Device) bool { return d.OptedOut && slices.Equal(d.Tags, []string{"x"}) })
}
