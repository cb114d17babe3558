package models

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"github.com/pushdeck/pushdeck/migrations"
)

// TestMigrationRebuildKeepsData: a database at version 3 holding devices,
// tag pairs and delivery rows comes through 00004 (the tables rebuilt with
// OR-form CHECKs), 00005, 00006 (integer device times) and 00007 (tag pairs
// to blocks) with every row, index and constraint, and back down to 5.
func TestMigrationRebuildKeepsData(t *testing.T) {
	ctx := context.Background()
	db, sqlDB, p, exec := openMigratedTo(t, ctx, 3)
	now := "2026-11-01 10:00:00+00:00"
	exec(`INSERT INTO devices (id, provider_id, cid, alias, user_id, platform, vendor, region, tag_ids, created_at, updated_at, last_seen_at) VALUES
		(1, 1, 'c1', 'al', 'u1', 'ios', 'apple', 'Zhejiang', '|1|', ?, ?, '2026-10-31 09:30:15.75+00:00'), (2, 1, 'c2', '', '', 'android', 'huawei', '', '', ?, ?, NULL)`, now, now, now, now)
	exec(`INSERT INTO tags (id, provider_id, name, devices) VALUES (1, 1, 'vip', 1)`)
	exec(`INSERT INTO device_tags (tag_id, device_id) VALUES (1, 1)`)
	// Pairs for 00007: 100 members in block 0 (a bitmap) and one in block 1
	// (a list).
	exec(`INSERT INTO tags (id, provider_id, name, devices) VALUES (2, 1, 'many', 101)`)
	exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
		INSERT INTO device_tags (tag_id, device_id) SELECT 2, i FROM n UNION ALL SELECT 2, 1029`)
	// and 79 members with empty bytes before and between them in block 2,
	// up to its last offset (a bitmap with gaps).
	exec(`INSERT INTO tags (id, provider_id, name, devices) VALUES (3, 1, 'gappy', 79)`)
	exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 77)
		INSERT INTO device_tags (tag_id, device_id) SELECT 3, 2048 + 9 + 13 * i FROM n UNION ALL SELECT 3, 3071`)
	exec(`INSERT INTO campaigns (id, name, provider_id, status, audience_kind, message, nonce, created_at, updated_at, recipients, accepted, failed)
		VALUES (1, 'c', 1, 'completed', 'cid', '{}', 'n1', ?, ?, 2, 1, 1)`, now, now)
	exec(`INSERT INTO deliveries (campaign_id, recipient, batch_seq, status, code, message) VALUES (1, 'c1', 1, 'accepted', '', ''), (1, 'c2', 1, 'failed', '500', 'boom')`)

	if err := migrateSQL(ctx, sqlDB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var n int
	for q, want := range map[string]int{
		`SELECT count(*) FROM devices WHERE provider_id = 1`:                                 2,
		`SELECT count(*) FROM devices WHERE cid = 'c1' AND alias = 'al' AND tag_ids = '|1|'`: 1,
		`SELECT count(*) FROM deliveries WHERE campaign_id = 1`:                              2,
		`SELECT count(*) FROM deliveries WHERE status = 'failed' AND code = '500'`:           1,
		// 00006: device times are whole Unix seconds.
		`SELECT count(*) FROM devices WHERE created_at = 1793527200 AND updated_at = 1793527200`: 2,
		`SELECT count(*) FROM devices WHERE cid = 'c1' AND last_seen_at = 1793439015`:            1,
		`SELECT count(*) FROM devices WHERE cid = 'c2' AND last_seen_at IS NULL`:                 1,
	} {
		if err := sqlDB.QueryRowContext(ctx, q).Scan(&n); err != nil || n != want {
			t.Errorf("%s = %d (%v), want %d", q, n, err, want)
		}
	}
	var names []string
	rows, err := sqlDB.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('devices', 'deliveries') AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		names = append(names, s)
	}
	_ = rows.Close()
	if want := []string{"deliveries_problems", "devices_alias", "devices_cid", "devices_invalid", "devices_scan", "devices_user"}; !slices.Equal(names, want) {
		t.Errorf("indexes %v, want %v", names, want)
	}
	for _, q := range []string{
		`INSERT INTO deliveries (campaign_id, recipient, batch_seq, status) VALUES (1, 'c3', 1, 'pending')`,
		`INSERT INTO devices (provider_id, cid, platform, created_at, updated_at) VALUES (1, 'c9', 'windows', '', '')`,
		`INSERT INTO devices (provider_id, cid, created_at, updated_at) VALUES (1, 'c1', '', '')`,
		`INSERT INTO devices (provider_id, cid, created_at, updated_at) VALUES (99, 'c8', '', '')`,
	} {
		if _, err := sqlDB.ExecContext(ctx, q); err == nil {
			t.Errorf("accepted after the rebuild: %s", q)
		}
	}
	// 00007: the pairs are blocks, each in its one form (as Go writes it).
	var stored []struct {
		TagID, Block int64
		Bits         []byte
	}
	if err := db.Raw(`SELECT tag_id, block, bits FROM tag_blocks`).Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	for _, b := range stored {
		tb, err := decodeTagBlock(b.Bits)
		if err != nil || !bytes.Equal(tb.encode(), b.Bits) {
			t.Errorf("tag %d block %d: %x is not canonical (%v)", b.TagID, b.Block, b.Bits, err)
		}
	}
	sealer, err := NewSealer("k")
	if err != nil {
		t.Fatal(err)
	}
	st := NewStore(db, sealer)
	var want []int64
	for i := range int64(100) {
		want = append(want, i+1)
	}
	var gappy []int64
	for i := range int64(78) {
		gappy = append(gappy, 2048+9+13*i)
	}
	for tag, want := range map[int64][]int64{1: {1}, 2: append(want, 1029), 3: append(gappy, 3071)} {
		if got, err := st.tagMembers(ctx, tag); err != nil || !slices.Equal(got, want) {
			t.Errorf("members of tag %d: %v (%v), want %v", tag, got, err, want)
		}
	}
	for q, want := range map[string]int{
		`SELECT length(bits) FROM tag_blocks WHERE tag_id = 2 AND block = 0`: 128,
		`SELECT length(bits) FROM tag_blocks WHERE tag_id = 2 AND block = 1`: 2,
		`SELECT length(bits) FROM tag_blocks WHERE tag_id = 3 AND block = 2`: 128,
		`SELECT count(*) FROM sqlite_master WHERE name = 'device_tags'`:      0,
	} {
		if err := sqlDB.QueryRowContext(ctx, q).Scan(&n); err != nil || n != want {
			t.Errorf("%s = %d (%v), want %d", q, n, err, want)
		}
	}
	// The driver reads the integer times back as time.Time.
	d, err := st.DeviceByCID(ctx, 1, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC); !d.CreatedAt.Equal(want) || !d.UpdatedAt.Equal(want) ||
		d.LastSeenAt == nil || !d.LastSeenAt.Equal(time.Date(2026, 10, 31, 9, 30, 15, 0, time.UTC)) {
		t.Errorf("device times %v %v %v", d.CreatedAt, d.UpdatedAt, d.LastSeenAt)
	}
	// Down to 5 gives the pairs back from tag_ids, and the driver's text
	// times, which it reads the same.
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.QueryRowContext(ctx, `SELECT count(*) FROM device_tags WHERE tag_id = 1 AND device_id = 1`).Scan(&n); err != nil || n != 1 {
		t.Errorf("pairs after down: %d %v", n, err)
	}
	var text string
	if err := sqlDB.QueryRowContext(ctx, `SELECT created_at || ' ' || last_seen_at FROM devices WHERE cid = 'c1'`).Scan(&text); err != nil ||
		text != "2026-11-01 10:00:00+00:00 2026-10-31 09:30:15+00:00" {
		t.Errorf("after down: %q %v", text, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	// Deleting the account still cascades to its devices.
	exec(`DELETE FROM campaigns`)
	exec(`DELETE FROM provider_accounts WHERE id = 1`)
	if err := sqlDB.QueryRowContext(ctx, `SELECT count(*) FROM devices`).Scan(&n); err != nil || n != 0 {
		t.Errorf("devices left after the account's deletion: %d %v", n, err)
	}
	if err := sqlDB.QueryRowContext(ctx, `SELECT count(*) FROM tag_blocks`).Scan(&n); err != nil || n != 0 {
		t.Errorf("tag blocks left after the account's deletion: %d %v", n, err)
	}
}

// openMigratedTo opens a database in a temp dir migrated only up to
// version, as an older release left it, holding one sandbox account (id 1)
// for rows to belong to, so a test can fill it with old-form rows and then
// run the migrations under test through p. exec runs a statement on it and
// fails the test on error.
func openMigratedTo(t *testing.T, ctx context.Context, version int64) (db *gorm.DB, sqlDB *sql.DB, p *goose.Provider, exec func(q string, args ...any)) {
	t.Helper()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Close(db) })
	sqlDB, err = db.DB()
	if err != nil {
		t.Fatal(err)
	}
	p, err = goose.NewProvider(goose.DialectSQLite3, sqlDB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	exec = func(q string, args ...any) {
		t.Helper()
		if _, err := sqlDB.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := "2026-11-01 10:00:00+00:00"
	exec(`INSERT INTO provider_accounts (id, name, kind, credentials, created_at, updated_at) VALUES (1, 'a', 'sandbox', x'00', ?, ?)`, now, now)
	return db, sqlDB, p, exec
}
