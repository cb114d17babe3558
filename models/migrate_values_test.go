package models

import (
	"context"
	"slices"
	"testing"
)

// TestMigrationMovesListsToRows: 00011 moves a stored cid list out of the
// audience JSON into campaign_values (sorted, distinct, counted), leaves a
// tag list in place with its count, and its down migration puts the list
// back.
func TestMigrationMovesListsToRows(t *testing.T) {
	ctx := context.Background()
	db, sqlDB, p, exec := openMigratedTo(t, ctx, 10)
	now := "2026-11-01 10:00:00+00:00"
	for id, kind := range map[int]string{1: "cid", 2: "tag"} {
		exec(`INSERT INTO campaigns (id, name, provider_id, status, audience_kind, message, options, nonce, created_at, updated_at) VALUES (?, 'c', 1, 'draft', ?, CAST('{}' AS BLOB), CAST('{}' AS BLOB), 'n', ?, ?)`, id, kind, now, now)
	}
	exec(`INSERT INTO campaign_audiences (campaign_id, audience) VALUES (1, '{"kind":"cid","values":["c3","c1","c2"]}'), (2, '{"kind":"tag","values":["vip","new"]}')`)
	if _, err := p.UpTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer("k")
	if err != nil {
		t.Fatal(err)
	}
	st := NewStore(db, sealer)
	c, err := st.CampaignByID(ctx, 1)
	if err != nil || c.Audience.Kind != "cid" || c.Audience.Count != 3 || !slices.Equal(c.Audience.Values, []string{"c1", "c2", "c3"}) {
		t.Fatalf("cid campaign after 00011: %+v (%v)", c.Audience, err)
	}
	var doc string
	if err := sqlDB.QueryRowContext(ctx, `SELECT audience FROM campaign_audiences WHERE campaign_id = 1`).Scan(&doc); err != nil || doc != `{"kind":"cid"}` {
		t.Errorf("cid audience JSON after 00011: %s (%v)", doc, err)
	}
	c, err = st.CampaignByID(ctx, 2)
	if err != nil || c.Audience.Count != 2 || !slices.Equal(c.Audience.Values, []string{"vip", "new"}) {
		t.Errorf("tag campaign after 00011: %+v (%v)", c.Audience, err)
	}
	if _, err := p.DownTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.QueryRowContext(ctx, `SELECT audience FROM campaign_audiences WHERE campaign_id = 1`).Scan(&doc); err != nil || doc != `{"kind":"cid","values":["c1","c2","c3"]}` {
		t.Errorf("cid audience JSON after going down: %s (%v)", doc, err)
	}
}
