package models

import (
	"context"
	"fmt"
	"slices"
)

// AudienceKinds are the kinds of Audience, as the API and the campaign
// body name them.
var AudienceKinds = []string{"all", "tag", "segment", "conditions", "alias", "cid"}

// Audience list limits.
const (
	// MaxAudienceValues bounds an explicit alias or cid list.
	MaxAudienceValues = 1_000_000
	// MaxAudienceTags bounds a tag audience.
	MaxAudienceTags = 100
	// maxAudienceValueLen bounds one value (the longest field, cid).
	maxAudienceValueLen = MaxCIDLen
	// smallList is the largest alias list matched with one IN (…): larger
	// lists are matched in Go while scanning the devices that have an alias.
	smallList = 500
)

// ValidateAudience checks an audience's shape: a known kind, values as the
// kind needs them, a segment that exists, a condition tree that parses.
// Field keys are "audience.kind", "audience.values" and paths under
// "audience.conditions". Values are de-duplicated in place.
func (s *Store) ValidateAudience(ctx context.Context, a *Audience) error {
	_, err := s.resolveAudience(ctx, 0, a)
	return err
}

// CountAudience returns how many devices of the account the audience
// reaches now: exact, opted-out devices excluded. For kind cid it is the
// number of distinct values minus those registered as opted out (a cid not
// in the registry still counts: the list is sent as given). An invalid
// audience is a *ValidationError (see ValidateAudience).
func (s *Store) CountAudience(ctx context.Context, providerID int64, a Audience) (int64, error) {
	r, err := s.resolveAudience(ctx, providerID, &a)
	if err != nil {
		return 0, err
	}
	switch r.mode {
	case modeCIDs:
		var out int64
		for part := range slices.Chunk(r.values, 500) {
			out, err = s.countOptedOut(ctx, providerID, part, out)
			if err != nil {
				return 0, err
			}
		}
		return int64(len(r.values)) - out, nil
	case modeStoredCIDs:
		// The list as given, minus the registered devices opted out.
		var n int64
		err := s.read(ctx).Raw(`SELECT (SELECT COUNT(*) FROM campaign_values WHERE campaign_id = ?)
			- (SELECT COUNT(*) FROM campaign_values v JOIN devices d ON d.provider_id = ? AND d.cid = v.value AND d.opted_out = TRUE WHERE v.campaign_id = ?)`,
			r.stored, providerID, r.stored).Scan(&n).Error
		if err != nil {
			return 0, fmt.Errorf("models: count audience: %w", err)
		}
		return n, nil
	case modeAliasSet:
		var n int64
		for part := range slices.Chunk(r.values, 500) {
			var k int64
			err := s.read(ctx).Raw(`SELECT COUNT(*) FROM devices WHERE provider_id = ? AND opted_out = FALSE AND alias IN ?`, providerID, part).Scan(&k).Error
			if err != nil {
				return 0, fmt.Errorf("models: count audience: %w", err)
			}
			n += k
		}
		return n, nil
	}
	q := `SELECT COUNT(*) FROM devices d WHERE d.provider_id = ? AND d.opted_out = FALSE AND ` + r.expr.sb.String()
	var n int64
	if err := s.read(ctx).Raw(q, append([]any{providerID}, r.expr.args...)...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("models: count audience of account %d: %w", providerID, err)
	}
	return n, nil
}

func (s *Store) countOptedOut(ctx context.Context, providerID int64, cids []string, acc int64) (int64, error) {
	var k int64
	err := s.read(ctx).Raw(`SELECT COUNT(*) FROM devices WHERE provider_id = ? AND opted_out = TRUE AND cid IN ?`, providerID, cids).Scan(&k).Error
	if err != nil {
		return 0, fmt.Errorf("models: count opted-out devices: %w", err)
	}
	return acc + k, nil
}

// StreamAudience calls fn with the audience's cids in ascending cid order
// (byte order, as Go compares strings), at most batch at a time, with
// constant memory beyond the audience's own value list: each call gets a
// fresh slice, and no database cursor is open while fn runs (each batch is
// one keyset query, so fn may write). Opted-out devices are left out; kind
// cid streams the distinct values given, minus opted-out devices. fn's
// error stops the stream and is returned as is.
func (s *Store) StreamAudience(ctx context.Context, providerID int64, a Audience, batch int, fn func(cids []string) error) error {
	if batch <= 0 {
		batch = 1000
	}
	r, err := s.resolveAudience(ctx, providerID, &a)
	if err != nil {
		return err
	}
	switch r.mode {
	case modeStoredCIDs:
		return s.StreamCampaignValues(ctx, r.stored, "", batch, func(page []string) error {
			return s.streamCIDs(ctx, providerID, page, batch, fn)
		})
	case modeCIDs:
		return s.streamCIDs(ctx, providerID, r.values, batch, fn)
	case modeAliasSet:
		set := make(map[string]struct{}, len(r.values))
		for _, v := range r.values {
			set[v] = struct{}{}
		}
		return s.streamWhere(ctx, providerID, "d.alias <> ''", nil, batch, set, fn)
	}
	return s.streamPages(ctx, providerID, r.expr.sb.String(), r.expr.args, batch, fn)
}

// streamPages is streamWhere without an alias filter, for segments and
// "all": each page comes back as one row holding a JSON array of its cids
// (json_group_array over the same keyset query), so a page of a thousand
// devices costs one step through cgo instead of a thousand, which made the
// planner's audience read about twice as fast for a million devices.
func (s *Store) streamPages(ctx context.Context, providerID int64, expr string, args []any, batch int, fn func([]string) error) error {
	q := `SELECT ` + s.dialect.jsonAgg("p.cid") + `, COUNT(*) FROM (SELECT d.cid FROM devices d` + s.dialect.indexedBy("devices_cid") + `
WHERE d.provider_id = ? AND d.cid > ? AND d.opted_out = FALSE AND ` + expr + `
ORDER BY d.cid LIMIT ?) AS p`
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("models: stream audience: %w", err)
		}
		var page struct {
			CIDs string
			N    int
		}
		qa := append(append([]any{providerID, after}, args...), batch)
		if err := s.read(rowContext(ctx)).Raw(q, qa...).Row().Scan(&page.CIDs, &page.N); err != nil {
			return fmt.Errorf("models: stream audience of account %d: %w", providerID, err)
		}
		if page.N == 0 {
			return nil
		}
		out, err := decodeStringList(page.CIDs)
		if err != nil {
			return fmt.Errorf("models: stream audience of account %d: %w", providerID, err)
		}
		if len(out) != page.N {
			return fmt.Errorf("models: stream audience of account %d: page has %d cids, want %d", providerID, len(out), page.N)
		}
		// An aggregate over an ordered subquery keeps its order in SQLite,
		// but the planner relies on it: check rather than assume.
		if !slices.IsSorted(out) {
			slices.Sort(out)
		}
		after = out[len(out)-1]
		if err := fn(out); err != nil {
			return err
		}
		if page.N < batch {
			return nil
		}
	}
}

// streamWhere pages through the account's devices in cid order, keyset on
// cid through the (provider_id, cid) index. INDEXED BY pins that index: a
// plan that filtered through another index and sorted would redo the sort
// for every page. With aliases set, rows are kept only when their alias is
// in it.
func (s *Store) streamWhere(ctx context.Context, providerID int64, expr string, args []any, batch int, aliases map[string]struct{}, fn func([]string) error) error {
	q := `SELECT d.cid, d.alias FROM devices d` + s.dialect.indexedBy("devices_cid") + `
WHERE d.provider_id = ? AND d.cid > ? AND d.opted_out = FALSE AND ` + expr + `
ORDER BY d.cid LIMIT ?`
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("models: stream audience: %w", err)
		}
		qa := append(append([]any{providerID, after}, args...), batch)
		rows, err := s.read(rowContext(ctx)).Raw(q, qa...).Rows()
		if err != nil {
			return fmt.Errorf("models: stream audience of account %d: %w", providerID, err)
		}
		out := make([]string, 0, batch)
		n := 0
		for rows.Next() {
			var cid, alias string
			if err := rows.Scan(&cid, &alias); err != nil {
				_ = rows.Close() // the scan error is the one to report
				return fmt.Errorf("models: stream audience of account %d: %w", providerID, err)
			}
			n++
			after = cid
			if aliases != nil {
				if _, ok := aliases[alias]; !ok {
					continue
				}
			}
			out = append(out, cid)
		}
		err = rows.Err()
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("models: stream audience of account %d: %w", providerID, err)
		}
		if len(out) > 0 {
			if err := fn(out); err != nil {
				return err
			}
		}
		if n < batch {
			return nil
		}
	}
}

// streamCIDs streams a sorted, distinct cid list, leaving out the cids
// registered as opted out.
func (s *Store) streamCIDs(ctx context.Context, providerID int64, cids []string, batch int, fn func([]string) error) error {
	for page := range slices.Chunk(cids, batch) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("models: stream audience: %w", err)
		}
		out := make([]string, 0, len(page))
		for part := range slices.Chunk(page, 500) {
			var opted []string
			err := s.read(ctx).Raw(`SELECT cid FROM devices WHERE provider_id = ? AND opted_out = TRUE AND cid IN ?`, providerID, part).Scan(&opted).Error
			if err != nil {
				return fmt.Errorf("models: opted-out devices: %w", err)
			}
			for _, c := range part {
				if !slices.Contains(opted, c) {
					out = append(out, c)
				}
			}
		}
		if len(out) > 0 {
			if err := fn(out); err != nil {
				return err
			}
		}
	}
	return nil
}
