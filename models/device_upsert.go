package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// UpsertResult counts what an upsert did: new devices, changed devices and
// devices that already matched the input exactly.
type UpsertResult struct {
	Imported  int64 `json:"imported"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
}

func (r *UpsertResult) add(o UpsertResult) {
	r.Imported += o.Imported
	r.Updated += o.Updated
	r.Unchanged += o.Unchanged
}

// UpsertDevices validates every input and, when all are valid, upserts them
// into the account in one transaction; otherwise it returns a
// *ValidationError keyed "[i].field" and writes nothing. A cid twice in
// the list is an error on the second one. At most MaxDeviceBatch inputs.
func (s *Store) UpsertDevices(ctx context.Context, providerID int64, in []DeviceInput) (UpsertResult, error) {
	v := &ValidationError{}
	if len(in) > MaxDeviceBatch {
		v.Add("devices", "err.too_many", map[string]any{"Max": MaxDeviceBatch})
		return UpsertResult{}, v
	}
	seen := make(map[string]int, len(in))
	for i := range in {
		in[i].Normalize()
		p := fmt.Sprintf("[%d].", i)
		in[i].Validate(v, p)
		if first, ok := seen[in[i].CID]; ok && in[i].CID != "" {
			v.Add(p+"cid", "err.audience_duplicate_cid", map[string]any{"First": fmt.Sprintf("[%d]", first)})
		} else {
			seen[in[i].CID] = i
		}
	}
	if err := v.Err(); err != nil {
		return UpsertResult{}, err
	}
	var res UpsertResult
	err := s.WithTx(ctx, func(tx *Store) error {
		if err := tx.requireAccount(ctx, providerID); err != nil {
			return err
		}
		w := newDeviceWriter(tx, providerID)
		var err error
		if res, err = w.write(ctx, in); err != nil {
			return err
		}
		cids := make([]string, len(in))
		for i := range in {
			cids[i] = in[i].CID
		}
		if err := tx.clearInvalid(ctx, providerID, cids); err != nil {
			return err
		}
		return w.finish(ctx)
	})
	return res, unwrapValidation(err)
}

// rowsPerStmt is how many rows one multi-row statement carries. FACTS.md
// measured prepared 100-row INSERTs fastest; each statement is prepared
// once a transaction and reused (preparing a 500-row statement every time
// cost more than running it).
const rowsPerStmt = 100

// deviceWriter upserts validated, cid-unique inputs of one account inside
// one transaction, keeping devices, devices.tag_ids, tag_blocks and the
// tag counts in step. It caches tag ids and prepared statements.
type deviceWriter struct {
	s          *Store
	providerID int64
	tagIDs     map[string]int64
	// tagDelta is the change of each tag's device count, and countDelta of
	// the account's; finish applies them.
	tagDelta   map[int64]int64
	countDelta int64
	stmts      map[string]*sql.Stmt
	// buf is reused for each batch's JSON.
	buf []byte
	now time.Time
	// nowUnix is now in whole seconds, as device times are stored
	// (migration 00006).
	nowUnix int64
	// nowDevice is now as the dialect writes device times.
	nowDevice any
}

func newDeviceWriter(tx *Store, providerID int64) *deviceWriter {
	w := &deviceWriter{s: tx, providerID: providerID, tagIDs: map[string]int64{}, tagDelta: map[int64]int64{},
		stmts: map[string]*sql.Stmt{}, now: tx.now()}
	w.nowUnix = w.now.Unix()
	w.nowDevice = tx.dialect.deviceTime(w.nowUnix)
	return w
}

// pool is the transaction's database/sql handle: the hot path uses raw,
// parameterized multi-row statements (FACTS.md: ≈2× GORM's batch insert).
func (w *deviceWriter) pool(ctx context.Context) rawPool {
	return rawPool{p: w.s.conn(ctx).Statement.ConnPool, rebind: w.s.dialect.rebind}
}

// stmt returns the statement for key, preparing it on first use. The
// statements belong to the transaction, which closes them when it ends.
func (w *deviceWriter) stmt(ctx context.Context, key string, build func() string) (*sql.Stmt, error) {
	if st, ok := w.stmts[key]; ok {
		return st, nil
	}
	st, err := w.pool(ctx).PrepareContext(ctx, build())
	if err != nil {
		return nil, fmt.Errorf("models: prepare %s: %w", key, err)
	}
	w.stmts[key] = st
	return st, nil
}

func (w *deviceWriter) close() {
	for k, st := range w.stmts {
		_ = st.Close() // the transaction's end closes it anyway
		delete(w.stmts, k)
	}
}

// existing is the stored state of one device, as the writer compares it.
type existing struct {
	id     int64
	d      Device
	tagIDs []int64
}

// write upserts validated inputs with distinct cids and counts the outcome.
// Rows go in cid order (FACTS.md: key order is 19× faster than random).
// New devices are inserted by multi-row INSERT … ON CONFLICT DO NOTHING
// RETURNING, so a fresh import never reads before it writes; only the
// rows that conflicted are read back, compared, and updated when changed.
func (w *deviceWriter) write(ctx context.Context, in []DeviceInput) (UpsertResult, error) {
	ctx = rowContext(ctx)
	var res UpsertResult
	rows := slices.Clone(in)
	slices.SortFunc(rows, func(a, b DeviceInput) int { return strings.Compare(a.CID, b.CID) })
	want := make([][]int64, len(rows)) // sorted tag ids per row; nil: keep stored
	for i, r := range rows {
		if r.Tags != nil {
			ids, err := w.resolveTags(ctx, *r.Tags)
			if err != nil {
				return res, err
			}
			want[i] = ids
		}
	}
	var add, del [][2]int64
	all := make([]int, len(rows))
	for i := range all {
		all[i] = i
	}
	for part := range slices.Chunk(all, rowsPerBatch) {
		r, a, d, err := w.writeBatch(ctx, rows, want, part)
		if err != nil {
			return res, err
		}
		res.add(r)
		add, del = append(add, a...), append(del, d...)
	}
	return res, w.applyTagPairs(ctx, add, del)
}

// updateExisting reads the stored devices of rows[idx…], counts the
// unchanged ones, updates the changed ones and returns their tag changes.
func (w *deviceWriter) updateExisting(ctx context.Context, rows []DeviceInput, want [][]int64, idx []int) (res UpsertResult, add, del [][2]int64, err error) {
	old, err := w.load(ctx, rows, idx)
	if err != nil {
		return res, nil, nil, err
	}
	for _, i := range idx {
		e, ok := old[rows[i].CID]
		if !ok {
			return res, nil, nil, fmt.Errorf("models: device %q of account %d vanished during the upsert", rows[i].CID, w.providerID)
		}
		r := rows[i]
		if r.Attributes, err = r.attributes(); err != nil {
			return res, nil, nil, fmt.Errorf("models: device %q: %w", r.CID, err)
		}
		d := e.d
		apply(&d, r)
		tags := e.tagIDs
		if want[i] != nil {
			tags = want[i]
		}
		tagsSame := slices.Equal(tags, e.tagIDs)
		if sameDevice(d, e.d) && tagsSame {
			res.Unchanged++
			continue
		}
		res.Updated++
		if err := w.updateRow(ctx, e.id, d, tags); err != nil {
			return res, nil, nil, err
		}
		a, dl := w.diffPairs(e.id, e.tagIDs, tags)
		add, del = append(add, a...), append(del, dl...)
	}
	return res, add, del, nil
}

// diffPairs returns the pairs to add and remove to move a device from the
// tags before to after, and records the count changes.
func (w *deviceWriter) diffPairs(id int64, before, after []int64) (add, del [][2]int64) {
	for _, t := range after {
		if !slices.Contains(before, t) {
			add = append(add, [2]int64{t, id})
			w.tagDelta[t]++
		}
	}
	for _, t := range before {
		if !slices.Contains(after, t) {
			del = append(del, [2]int64{t, id})
			w.tagDelta[t]--
		}
	}
	return add, del
}

// apply copies the input's set fields onto d.
func apply(d *Device, r DeviceInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&d.Alias, r.Alias)
	set(&d.UserID, r.UserID)
	set(&d.Platform, r.Platform)
	set(&d.Vendor, r.Vendor)
	set(&d.Region, r.Region)
	set(&d.Timezone, r.Timezone)
	if r.OptedOut != nil {
		d.OptedOut = *r.OptedOut
	}
	if r.Attributes != nil {
		d.Attributes = *r.Attributes
	}
	if r.LastSeenAt != nil {
		t := r.LastSeenAt.UTC()
		d.LastSeenAt = &t
	}
}

// sameDevice compares the stored fields an input can change.
func sameDevice(a, b Device) bool {
	if a.Alias != b.Alias || a.UserID != b.UserID || a.Platform != b.Platform || a.Vendor != b.Vendor ||
		a.Region != b.Region || a.OptedOut != b.OptedOut || a.Timezone != b.Timezone || !maps.Equal(a.Attributes, b.Attributes) {
		return false
	}
	if (a.LastSeenAt == nil) != (b.LastSeenAt == nil) {
		return false
	}
	return a.LastSeenAt == nil || a.LastSeenAt.Equal(*b.LastSeenAt)
}

// load reads the stored devices of rows[idx…] (at most rowsPerStmt).
func (w *deviceWriter) load(ctx context.Context, rows []DeviceInput, idx []int) (map[string]*existing, error) {
	args := make([]any, 0, len(idx)+1)
	args = append(args, w.providerID)
	for _, i := range idx {
		args = append(args, rows[i].CID)
	}
	st, err := w.stmt(ctx, fmt.Sprintf("load%d", len(idx)), func() string {
		return `SELECT id, cid, alias, user_id, platform, vendor, region, opted_out, tag_ids, created_at, updated_at, last_seen_at, timezone, attributes
FROM devices WHERE provider_id = ? AND cid IN (` + placeholders(len(idx), 1) + `)`
	})
	if err != nil {
		return nil, err
	}
	rs, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("models: read devices of account %d: %w", w.providerID, err)
	}
	defer rs.Close()
	out := make(map[string]*existing, len(idx))
	for rs.Next() {
		e := &existing{}
		var last sql.NullTime
		var tags string
		d := &e.d
		if err := rs.Scan(&e.id, &d.CID, &d.Alias, &d.UserID, &d.Platform, &d.Vendor, &d.Region, &d.OptedOut, &tags, &d.CreatedAt, &d.UpdatedAt, &last, &d.Timezone, &d.Attributes); err != nil {
			return nil, fmt.Errorf("models: read devices of account %d: %w", w.providerID, err)
		}
		d.ID, d.ProviderID, e.tagIDs = e.id, w.providerID, decodeTagIDs(tags)
		if last.Valid {
			t := last.Time.UTC()
			d.LastSeenAt = &t
		}
		out[d.CID] = e
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("models: read devices of account %d: %w", w.providerID, err)
	}
	return out, nil
}

// updateRow writes a changed device's fields and tag ids.
func (w *deviceWriter) updateRow(ctx context.Context, id int64, d Device, tags []int64) error {
	st, err := w.stmt(ctx, "update", func() string {
		return `UPDATE devices SET alias = ?, user_id = ?, platform = ?, vendor = ?, region = ?, opted_out = ?, tag_ids = ?, updated_at = ?, last_seen_at = ?, timezone = ?, attributes = ? WHERE id = ?`
	})
	if err != nil {
		return err
	}
	var last any
	if d.LastSeenAt != nil {
		last = w.s.dialect.deviceTime(d.LastSeenAt.Unix())
	}
	if _, err := st.ExecContext(ctx, d.Alias, d.UserID, d.Platform, d.Vendor, d.Region, d.OptedOut, encodeTagIDs(tags), w.nowDevice, last, d.Timezone, encodeAttrs(d.Attributes), id); err != nil {
		return fmt.Errorf("models: update device %d: %w", id, err)
	}
	return nil
}

// finish applies the account's and the tags' count changes and drops tags
// no device carries any more (forgetting their cached ids).
func (w *deviceWriter) finish(ctx context.Context) error {
	ctx = rowContext(ctx)
	if w.countDelta != 0 {
		_, err := w.pool(ctx).ExecContext(ctx, `INSERT INTO device_counts (provider_id, devices) VALUES (?, ?)
ON CONFLICT (provider_id) DO UPDATE SET devices = device_counts.devices + excluded.devices`, w.providerID, w.countDelta)
		if err != nil {
			return fmt.Errorf("models: device count of account %d: %w", w.providerID, err)
		}
		w.countDelta = 0
	}
	for id, d := range w.tagDelta {
		if d == 0 {
			continue
		}
		if _, err := w.pool(ctx).ExecContext(ctx, `UPDATE tags SET devices = devices + ? WHERE id = ?`, d, id); err != nil {
			return fmt.Errorf("models: tag counts: %w", err)
		}
	}
	clear(w.tagDelta)
	w.close()
	rs, err := w.pool(ctx).QueryContext(ctx, `DELETE FROM tags WHERE provider_id = ? AND devices <= 0 RETURNING name`, w.providerID)
	if err != nil {
		return fmt.Errorf("models: drop unused tags: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var name string
		if err := rs.Scan(&name); err != nil {
			return fmt.Errorf("models: drop unused tags: %w", err)
		}
		delete(w.tagIDs, name)
	}
	if err := rs.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("models: drop unused tags: %w", err)
	}
	return nil
}

// rowContext drops ctx's cancellation for the statements of one batch.
// mattn/go-sqlite3 runs every Exec and every Rows.Next of a cancellable
// context in a new goroutine that it waits for on a channel; across a
// million rows that scheduling cost more than the inserts. Callers check
// ctx between batches and transactions instead, so a cancelled import
// stops within one batch.
func rowContext(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

// placeholders returns n groups of k "?" ("(?,?),(?,?)" for n=2, k=2), or
// n bare "?" when k is 1.
func placeholders(n, k int) string {
	var sb strings.Builder
	group := "(" + strings.TrimSuffix(strings.Repeat("?,", k), ",") + ")"
	if k == 1 {
		group = "?"
	}
	sb.Grow(n * (len(group) + 1))
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(group)
	}
	return sb.String()
}
