package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// DeviceFilter selects one keyset page of an account's devices in cid
// order. Empty fields do not filter.
type DeviceFilter struct {
	ProviderID int64
	// Tag keeps devices carrying this tag.
	Tag      string
	Platform string
	Vendor   string
	Region   string
	// Q keeps devices whose cid, alias or user_id starts with it.
	Q string
	// Invalid is InvalidOnly, InvalidExcluded or "" (every device).
	Invalid string
	// After is the cid of the last device of the previous page.
	After string
	Limit int
}

// DeviceFilter.Invalid values.
const (
	InvalidOnly     = "only"
	InvalidExcluded = "exclude"
)

// ListDevices returns a page of devices (with their tags) and the cursor
// of the next page ("" on the last). Pages are keyset on (provider_id,
// cid), never OFFSET, so the thousandth page costs what the first does
// (FACTS.md: OFFSET paging is 28× slower by page 100).
func (s *Store) ListDevices(ctx context.Context, f DeviceFilter) ([]Device, string, error) {
	limit := clampLimit(f.Limit)
	from, where, args, err := s.deviceQuery(ctx, f, limit)
	if errors.Is(err, ErrNotFound) {
		return []Device{}, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	args = append(args, limit+1)
	var ds []Device
	q := `SELECT d.* FROM ` + from + ` WHERE ` + where + ` ORDER BY d.cid LIMIT ?`
	if err := s.read(ctx).Raw(q, args...).Scan(&ds).Error; err != nil {
		return nil, "", fmt.Errorf("models: list devices of account %d: %w", f.ProviderID, err)
	}
	next := ""
	if len(ds) > limit {
		ds = ds[:limit]
		next = ds[limit-1].CID
	}
	if err := s.attachTags(ctx, ds); err != nil {
		return nil, "", err
	}
	return ds, next, nil
}

// deviceQuery builds the FROM and WHERE of a device filter, with their
// arguments in order. limit tells a rare tag (read through its members)
// from a common one (tested on each row). ErrNotFound: the tag is unknown,
// so nothing matches.
func (s *Store) deviceQuery(ctx context.Context, f DeviceFilter, limit int) (from, where string, args []any, err error) {
	var w strings.Builder
	args = []any{f.ProviderID, f.After}
	w.WriteString("d.provider_id = ? AND d.cid > ?")
	eq := func(col, val string) {
		if val != "" {
			w.WriteString(" AND " + col + " = ?")
			args = append(args, val)
		}
	}
	eq("d.platform", strings.ToLower(strings.TrimSpace(f.Platform)))
	eq("d.vendor", strings.ToLower(strings.TrimSpace(f.Vendor)))
	eq("d.region", strings.TrimSpace(f.Region))
	// Without a search or a rare tag the scan follows the cid index from
	// the cursor and stops after limit+1 matches; INDEXED BY keeps the
	// planner from choosing an index that would need a sort of every match
	// per page. A prefix search instead unions three small index ranges.
	from = "devices d" + s.dialect.indexedBy("devices_cid")
	switch f.Invalid {
	case InvalidOnly:
		// Few devices carry a mark: their partial index, in cid order,
		// holds exactly them, where the cid index would walk them all.
		from = "devices d" + s.dialect.indexedBy("devices_invalid")
		w.WriteString(" AND d.invalid_at IS NOT NULL")
	case InvalidExcluded:
		w.WriteString(" AND d.invalid_at IS NULL")
	}
	var fromArgs []any
	if tag := strings.TrimSpace(f.Tag); tag != "" {
		id, carriers, err := s.tagID(ctx, f.ProviderID, tag)
		if err != nil {
			return "", "", nil, err
		}
		rare, err := s.rareTag(ctx, f.ProviderID, carriers, limit)
		if err != nil {
			return "", "", nil, err
		}
		if rare {
			members, err := s.tagMembers(ctx, id)
			if err != nil {
				return "", "", nil, err
			}
			from, fromArgs = s.dialect.idsThenDevices, []any{int64List(members)}
		}
		// Tested on the row either way: the members were read a moment
		// before the page, and a write may have come in between.
		w.WriteString(" AND " + s.dialect.contains("d.tag_ids"))
		args = append(args, encodeTagIDs([]int64{id}))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		if fromArgs == nil {
			from = "devices d"
		}
		hi := prefixEnd(q)
		w.WriteString(" AND ((d.cid >= ? AND d.cid < ?) OR (d.alias >= ? AND d.alias < ? AND d.alias <> '') OR (d.user_id >= ? AND d.user_id < ? AND d.user_id <> ''))")
		args = append(args, q, hi, q, hi, q, hi)
	}
	return from, w.String(), append(fromArgs, args...), nil
}

// CountMatchingDevices counts an account's devices that a filter keeps
// (After ignored), stopping at max: more is true when there are more than
// max, so a broad filter over millions of devices costs a bounded scan.
func (s *Store) CountMatchingDevices(ctx context.Context, f DeviceFilter, max int) (n int64, more bool, err error) {
	f.After = ""
	from, where, args, err := s.deviceQuery(ctx, f, max)
	if errors.Is(err, ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	q := `SELECT COUNT(*) FROM (SELECT 1 FROM ` + from + ` WHERE ` + where + ` LIMIT ?) AS m`
	if err := s.read(ctx).Raw(q, append(args, max+1)...).Scan(&n).Error; err != nil {
		return 0, false, fmt.Errorf("models: count matching devices of account %d: %w", f.ProviderID, err)
	}
	if n > int64(max) {
		return int64(max), true, nil
	}
	return n, false, nil
}

// prefixEnd is the smallest string greater than every string starting
// with p (bytewise, as SQLite's BINARY collation compares).
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return "\xff\xff\xff\xff" // p is all 0xff bytes: never valid UTF-8
}

// attachTags fills in the tag names of a page of devices: one query for
// the names of every tag id the page carries.
func (s *Store) attachTags(ctx context.Context, ds []Device) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]int64, len(ds))
	for i := range ds {
		ids[i] = ds[i].ID
	}
	var rows []struct {
		ID     int64
		TagIDs string
	}
	if err := s.read(ctx).Raw(`SELECT id, tag_ids FROM devices WHERE id IN ?`, ids).Scan(&rows).Error; err != nil {
		return fmt.Errorf("models: tags of devices: %w", err)
	}
	byID := make(map[int64]string, len(rows))
	for _, r := range rows {
		byID[r.ID] = r.TagIDs
	}
	lists := make([]string, len(ds))
	for i := range ds {
		lists[i] = byID[ds[i].ID]
	}
	return s.tagNames(ctx, ds, lists)
}

// tagNames sets ds[i].Tags to the names of the tag ids in lists[i],
// sorted by name.
func (s *Store) tagNames(ctx context.Context, ds []Device, lists []string) error {
	var all []int64
	for i := range ds {
		ds[i].Tags = []string{}
		all = append(all, decodeTagIDs(lists[i])...)
	}
	if len(all) == 0 {
		return nil
	}
	slices.Sort(all)
	all = slices.Compact(all)
	names := make(map[int64]string, len(all))
	for part := range slices.Chunk(all, 500) {
		var rows []struct {
			ID   int64
			Name string
		}
		if err := s.read(ctx).Raw(`SELECT id, name FROM tags WHERE id IN ?`, part).Scan(&rows).Error; err != nil {
			return fmt.Errorf("models: tag names: %w", err)
		}
		for _, r := range rows {
			names[r.ID] = r.Name
		}
	}
	for i := range ds {
		for _, id := range decodeTagIDs(lists[i]) {
			if n, ok := names[id]; ok {
				ds[i].Tags = append(ds[i].Tags, n)
			}
		}
		slices.Sort(ds[i].Tags)
	}
	return nil
}

// tagID returns the id of an account's tag and how many devices carry
// it, or ErrNotFound.
func (s *Store) tagID(ctx context.Context, providerID int64, name string) (id, devices int64, err error) {
	var rows []struct{ ID, Devices int64 }
	if err := s.read(ctx).Raw(`SELECT id, devices FROM tags WHERE provider_id = ? AND name = ?`, providerID, name).Scan(&rows).Error; err != nil {
		return 0, 0, fmt.Errorf("models: tag %q: %w", name, err)
	}
	if len(rows) == 0 {
		return 0, 0, fmt.Errorf("models: tag %q of account %d: %w", name, providerID, ErrNotFound)
	}
	return rows[0].ID, rows[0].Devices, nil
}

// rareTag tells whether a page of devices carrying a tag is cheaper to
// find from the tag's members than by walking the account in cid order.
// The walk reads about (limit+1)·total/carriers devices to fill a page;
// the members way reads each of the carriers once (and sorts them). The
// members way wins when carriers² ≤ (limit+1)·total: for a page of 50 over
// 1,000,000 devices, a tag on fewer than ≈7,100 of them, where the walk
// would read 7,100 devices or more (all of them for a tag on a handful).
func (s *Store) rareTag(ctx context.Context, providerID, carriers int64, limit int) (bool, error) {
	total, err := s.CountDevices(ctx, providerID)
	if err != nil {
		return false, err
	}
	return float64(carriers)*float64(carriers) <= float64(limit+1)*float64(total), nil
}

// int64List is ids as a JSON array, for json_each.
func int64List(ids []int64) string {
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
