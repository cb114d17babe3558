package models

import (
	"slices"
	"testing"
)

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
	epoch := s.dialect.deviceTime(0)
	if err := s.DB().Exec(`INSERT INTO devices (id, provider_id, cid, created_at, updated_at) VALUES (?, ?, 'd0', ?, ?)`, int64(1)<<40, acct.ID, epoch, epoch).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(`INSERT INTO device_counts (provider_id, devices) VALUES (?, 1)`, acct.ID).Error; err != nil {
		t.Fatal(err)
	}
	if s.dialect.name == dialectPostgres {
		// An identity column's sequence does not follow an explicit id,
		// as SQLite's rowid does.
		if err := s.DB().Exec(`SELECT setval(pg_get_serial_sequence('devices', 'id'), ?)`, int64(1)<<40).Error; err != nil {
			t.Fatal(err)
		}
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
