package models

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/pushdeck/pushdeck/migrations"
)

// TestMigrationRebuildKeepsData: a database at version 3 holding devices,
// tag pairs and delivery rows comes through 00004 (the tables rebuilt with
// OR-form CHECKs) and 00005 with every row, index and constraint.
func TestMigrationRebuildKeepsData(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Close(db) })
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, sqlDB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := sqlDB.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := "2026-11-01 10:00:00+00:00"
	exec(`INSERT INTO provider_accounts (id, name, kind, credentials, created_at, updated_at) VALUES (1, 'a', 'sandbox', x'00', ?, ?)`, now, now)
	exec(`INSERT INTO devices (id, provider_id, cid, alias, user_id, platform, vendor, region, tag_ids, created_at, updated_at, last_seen_at) VALUES
		(1, 1, 'c1', 'al', 'u1', 'ios', 'apple', 'Zhejiang', '|1|', ?, ?, '2026-10-31 09:30:15.75+00:00'), (2, 1, 'c2', '', '', 'android', 'huawei', '', '', ?, ?, NULL)`, now, now, now, now)
	exec(`INSERT INTO tags (id, provider_id, name, devices) VALUES (1, 1, 'vip', 1)`)
	exec(`INSERT INTO device_tags (tag_id, device_id) VALUES (1, 1)`)
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
		`SELECT count(*) FROM device_tags`:                                                   1,
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
	if want := []string{"deliveries_problems", "devices_alias", "devices_cid", "devices_scan", "devices_user"}; !slices.Equal(names, want) {
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
	// The driver reads the integer times back as time.Time.
	sealer, err := NewSealer("k")
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewStore(db, sealer).DeviceByCID(ctx, 1, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC); !d.CreatedAt.Equal(want) || !d.UpdatedAt.Equal(want) ||
		d.LastSeenAt == nil || !d.LastSeenAt.Equal(time.Date(2026, 10, 31, 9, 30, 15, 0, time.UTC)) {
		t.Errorf("device times %v %v %v", d.CreatedAt, d.UpdatedAt, d.LastSeenAt)
	}
	// Down from 6 gives the driver's text back, which it reads the same.
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatal(err)
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
}
