package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// InlineValues is how many values of a cid or alias audience a loaded
// campaign carries in Audience.Values; a longer list stays in the store
// (Audience.Stored) and is read a page at a time.
const InlineValues = 1000

// valueChunk is how many values one INSERT statement writes (two bound
// parameters each, well under SQLite's limit).
const valueChunk = 500

// StoredValues says where the values of a cid or alias audience are when
// they are not in Audience.Values: the list stored for a campaign, or an
// upload not yet attached to one. Creating or updating a campaign with it
// copies (or moves) the list inside the database, never through memory.
type StoredValues struct {
	Campaign int64
	Upload   int64
}

// listedKind reports whether an audience kind is a value list kept in
// campaign_values.
func listedKind(kind string) bool { return kind == "cid" || kind == "alias" }

// campaignAudience is the side table holding a campaign's audience JSON
// (kind, conditions, and the values of kinds other than cid and alias).
type campaignAudience struct {
	CampaignID int64 `gorm:"primaryKey"`
	Audience   string
	ValueCount int64
}

func (campaignAudience) TableName() string { return "campaign_audiences" }

// saveAudience stores a campaign's audience, replacing what it had; a cid
// or alias list goes to campaign_values sorted and de-duplicated, from
// Values or from where Stored says. More distinct values than
// MaxAudienceValues is a *ValidationError on audience.values (the caller's
// transaction then rolls back). a is reloaded as CampaignByID returns it.
func (s *Store) saveAudience(ctx context.Context, id int64, a *Audience) error {
	doc := Audience{Kind: a.Kind, Values: a.Values, Tree: a.Tree, IncludeInvalid: a.IncludeInvalid}
	count := int64(len(a.Values))
	if listedKind(a.Kind) {
		doc.Values = nil
		var err error
		if count, err = s.saveValues(ctx, id, a); err != nil {
			return err
		}
		if count > MaxAudienceValues {
			v := &ValidationError{}
			v.Add("audience.values", "err.too_many", map[string]any{"Max": MaxAudienceValues})
			return v
		}
	} else if err := s.conn(ctx).Exec(`DELETE FROM campaign_values WHERE campaign_id = ?`, id).Error; err != nil {
		return fmt.Errorf("models: clear values of campaign %d: %w", id, err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("models: encode audience of campaign %d: %w", id, err)
	}
	err = s.conn(ctx).Exec(`INSERT INTO campaign_audiences (campaign_id, audience, value_count) VALUES (?, ?, ?)
		ON CONFLICT (campaign_id) DO UPDATE SET audience = excluded.audience, value_count = excluded.value_count`, id, string(b), count).Error
	if err != nil {
		return fmt.Errorf("models: save audience of campaign %d: %w", id, err)
	}
	c := Campaign{ID: id, AudienceKind: a.Kind}
	if err := s.loadAudiences(ctx, []*Campaign{&c}, true); err != nil {
		return err
	}
	*a = c.Audience
	return nil
}

// saveValues writes a listed audience's values for campaign id and returns
// how many distinct values it has.
func (s *Store) saveValues(ctx context.Context, id int64, a *Audience) (int64, error) {
	if st := a.Stored; st != nil && st.Campaign == id {
		var n int64
		err := s.conn(ctx).Raw(`SELECT COUNT(*) FROM campaign_values WHERE campaign_id = ?`, id).Scan(&n).Error
		if err != nil {
			return 0, fmt.Errorf("models: count values of campaign %d: %w", id, err)
		}
		return n, nil
	}
	if err := s.conn(ctx).Exec(`DELETE FROM campaign_values WHERE campaign_id = ?`, id).Error; err != nil {
		return 0, fmt.Errorf("models: clear values of campaign %d: %w", id, err)
	}
	switch st := a.Stored; {
	case st != nil && st.Upload != 0:
		// GROUP BY sorts and de-duplicates with SQLite's own sorter (bounded
		// memory, spilling to temporary files), so rows go in in key order.
		r, err := s.rawExec(ctx, `INSERT INTO campaign_values (campaign_id, value)
			SELECT ?, j.value FROM audience_upload_chunks u, `+s.dialect.eachText("u.vals", "j")+` WHERE u.upload_id = ? GROUP BY j.value ORDER BY j.value`, id, st.Upload)
		if err != nil {
			return 0, fmt.Errorf("models: values of campaign %d from upload %d: %w", id, st.Upload, err)
		}
		if err := s.dropUpload(ctx, st.Upload); err != nil {
			return 0, err
		}
		return r.RowsAffected()
	case st != nil && st.Campaign != 0:
		r, err := s.rawExec(ctx, `INSERT INTO campaign_values (campaign_id, value)
			SELECT ?, value FROM campaign_values WHERE campaign_id = ? ORDER BY value`, id, st.Campaign)
		if err != nil {
			return 0, fmt.Errorf("models: values of campaign %d from campaign %d: %w", id, st.Campaign, err)
		}
		return r.RowsAffected()
	}
	vals := slices.Clone(a.Values)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	for part := range slices.Chunk(vals, valueChunk) {
		args := make([]any, 0, 2*len(part))
		for _, v := range part {
			args = append(args, id, v)
		}
		q := `INSERT INTO campaign_values (campaign_id, value) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(part)), ", ")
		if _, err := s.rawExec(ctx, q, args...); err != nil {
			return 0, fmt.Errorf("models: values of campaign %d: %w", id, err)
		}
	}
	return int64(len(vals)), nil
}

// loadAudiences fills the campaigns' Audience from the side table: a cid
// or alias list's values only when there are at most InlineValues of them,
// and only with values set (a page of campaigns shows the count alone).
func (s *Store) loadAudiences(ctx context.Context, cs []*Campaign, values bool) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	var rows []campaignAudience
	if err := s.conn(ctx).Where("campaign_id IN ?", ids).Find(&rows).Error; err != nil {
		return fmt.Errorf("models: load audiences: %w", err)
	}
	by := make(map[int64]campaignAudience, len(rows))
	for _, r := range rows {
		by[r.CampaignID] = r
	}
	for _, c := range cs {
		row, ok := by[c.ID]
		if !ok {
			c.Audience = Audience{Kind: c.AudienceKind}
			continue
		}
		c.Audience = Audience{}
		if err := json.Unmarshal([]byte(row.Audience), &c.Audience); err != nil {
			return fmt.Errorf("models: decode audience of campaign %d: %w", c.ID, err)
		}
		c.Audience.Count = row.ValueCount
		if !listedKind(c.Audience.Kind) {
			continue
		}
		c.Audience.Values = nil
		if row.ValueCount > InlineValues || !values {
			c.Audience.Stored = &StoredValues{Campaign: c.ID}
			continue
		}
		vals, err := s.CampaignValues(ctx, c.ID, "", InlineValues)
		if err != nil {
			return err
		}
		c.Audience.Values = vals
	}
	return nil
}

// CampaignValues returns up to limit values of a campaign's cid or alias
// list, in key order after the value after ("" for the first page): a
// keyset page of the (campaign_id, value) primary key, read as one row
// holding a JSON array (json_group_array, as the planner reads segment
// pages) so a page costs one step through cgo, not one per value.
func (s *Store) CampaignValues(ctx context.Context, id int64, after string, limit int) ([]string, error) {
	var page struct {
		Values string
		N      int
	}
	err := s.read(rowContext(ctx)).Raw(`SELECT `+s.dialect.jsonAgg("p.value")+`, COUNT(*) FROM
		(SELECT value FROM campaign_values WHERE campaign_id = ? AND value > ? ORDER BY value LIMIT ?) AS p`, id, after, limit).
		Row().Scan(&page.Values, &page.N)
	if err != nil {
		return nil, fmt.Errorf("models: values of campaign %d: %w", id, err)
	}
	out, err := decodeStringList(page.Values)
	if err != nil {
		return nil, fmt.Errorf("models: values of campaign %d: %w", id, err)
	}
	if len(out) != page.N {
		return nil, fmt.Errorf("models: values of campaign %d: page has %d values, want %d", id, len(out), page.N)
	}
	// The aggregate keeps the subquery's order in SQLite; callers rely on
	// it, so check rather than assume.
	if !slices.IsSorted(out) {
		slices.Sort(out)
	}
	return out, nil
}

// StreamCampaignValues calls fn with a campaign's cid or alias list after
// the value after, in key order, batch values at a time; no query is open
// while fn runs. fn's error stops the stream and is returned as is.
func (s *Store) StreamCampaignValues(ctx context.Context, id int64, after string, batch int, fn func([]string) error) error {
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("models: values of campaign %d: %w", id, err)
		}
		page, err := s.CampaignValues(ctx, id, after, batch)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1]
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < batch {
			return nil
		}
	}
}

// AudienceUpload spools the values of a list audience into the database as
// a request streams them, a chunk at a time, so a million-value body never
// sits in memory. It
// is attached to a campaign through Audience.Stored; Discard drops it when
// the request fails. Not safe for concurrent use.
type AudienceUpload struct {
	s     *Store
	ID    int64
	count int64
}

// NewAudienceUpload starts an empty upload.
func (s *Store) NewAudienceUpload(ctx context.Context) (*AudienceUpload, error) {
	defer s.lockWrite()()
	id, err := s.rawInsert(ctx, `INSERT INTO audience_uploads (created_at) VALUES (?)`, s.now().Unix())
	if err != nil {
		return nil, fmt.Errorf("models: start audience upload: %w", err)
	}
	return &AudienceUpload{s: s, ID: id}, nil
}

// Add appends values as one chunk (one row, one transaction).
func (u *AudienceUpload) Add(ctx context.Context, values []string) error {
	if len(values) == 0 {
		return nil
	}
	b, err := json.Marshal(values)
	if err != nil {
		return fmt.Errorf("models: audience upload %d: %w", u.ID, err)
	}
	err = u.s.WithTx(ctx, func(tx *Store) error {
		_, err := tx.rawExec(ctx, `INSERT INTO audience_upload_chunks (upload_id, vals) VALUES (?, ?)`, u.ID, string(b))
		return err
	})
	if err != nil {
		return fmt.Errorf("models: audience upload %d: %w", u.ID, err)
	}
	u.count += int64(len(values))
	return nil
}

// Count is how many values were added, repeats included.
func (u *AudienceUpload) Count() int64 { return u.count }

// Discard deletes the upload (nothing when a campaign took it already).
func (u *AudienceUpload) Discard(ctx context.Context) error {
	return u.s.WithTx(ctx, func(tx *Store) error { return tx.dropUpload(ctx, u.ID) })
}

func (s *Store) dropUpload(ctx context.Context, id int64) error {
	if _, err := s.rawExec(ctx, `DELETE FROM audience_upload_chunks WHERE upload_id = ?`, id); err != nil {
		return fmt.Errorf("models: drop audience upload %d: %w", id, err)
	}
	if _, err := s.rawExec(ctx, `DELETE FROM audience_uploads WHERE id = ?`, id); err != nil {
		return fmt.Errorf("models: drop audience upload %d: %w", id, err)
	}
	return nil
}

// PruneUploads deletes uploads started before cutoff that no campaign
// took: left by a request whose process died mid-way. It returns how many.
func (s *Store) PruneUploads(ctx context.Context, cutoff time.Time) (int, error) {
	var ids []int64
	if err := s.conn(ctx).Raw(`SELECT id FROM audience_uploads WHERE created_at < ?`, cutoff.Unix()).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("models: stale audience uploads: %w", err)
	}
	for _, id := range ids {
		if err := s.WithTx(ctx, func(tx *Store) error { return tx.dropUpload(ctx, id) }); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
