package models

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
)

// Tag membership lives in tag_blocks (migration 00007): per tag, one row
// per block of tagBlockDevices consecutive device ids holding a member,
// its members' offsets as a list (few) or a bitmap (many).
const (
	tagBlockShift   = 10
	tagBlockDevices = 1 << tagBlockShift
	tagBitmapBytes  = tagBlockDevices / 8
	// tagListMax is the most members a block stores as a list of 2-byte
	// offsets; one more and the list would be as long as the bitmap.
	tagListMax = tagBitmapBytes/2 - 1
)

// tagBlock is one block's members as a bitmap: offset o is bit o&63 of
// word o>>6.
type tagBlock [tagBlockDevices / 64]uint64

func (t *tagBlock) set(o int64)   { t[o>>6] |= 1 << (o & 63) }
func (t *tagBlock) clear(o int64) { t[o>>6] &^= 1 << (o & 63) }

func (t *tagBlock) count() int {
	n := 0
	for _, w := range t {
		n += bits.OnesCount64(w)
	}
	return n
}

// offsets appends the members' offsets in ascending order.
func (t *tagBlock) offsets(out []int64) []int64 {
	for i, w := range t {
		for w != 0 {
			out = append(out, int64(i<<6+bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
	return out
}

// decodeTagBlock reads a tag_blocks.bits value.
func decodeTagBlock(b []byte) (tagBlock, error) {
	var t tagBlock
	switch {
	case len(b) == tagBitmapBytes:
		for i := range t {
			t[i] = binary.LittleEndian.Uint64(b[i*8:])
		}
	case len(b)%2 == 0 && len(b) < tagBitmapBytes:
		for i := 0; i < len(b); i += 2 {
			o := int64(binary.BigEndian.Uint16(b[i:]))
			if o >= tagBlockDevices {
				return t, fmt.Errorf("models: tag block: offset %d out of range", o)
			}
			t.set(o)
		}
	default:
		return t, fmt.Errorf("models: tag block: %d bytes is neither a list nor a bitmap", len(b))
	}
	return t, nil
}

// encode writes the block in its one form: a list for up to tagListMax
// members, the bitmap otherwise; nil when it has no members.
func (t *tagBlock) encode() []byte {
	n := t.count()
	switch {
	case n == 0:
		return nil
	case n <= tagListMax:
		out := make([]byte, 0, 2*n)
		for _, o := range t.offsets(make([]int64, 0, n)) {
			out = binary.BigEndian.AppendUint16(out, uint16(o))
		}
		return out
	default:
		out := make([]byte, tagBitmapBytes)
		for i, w := range t {
			binary.LittleEndian.PutUint64(out[i*8:], w)
		}
		return out
	}
}

// tagBlockKey names one tag_blocks row.
type tagBlockKey struct{ tag, block int64 }

// applyTagPairs removes the (tag id, device id) pairs of del and adds
// those of add: it reads the blocks they fall in, changes them in Go and
// writes each changed block back (or deletes it once empty) with one
// statement per kind. An import's few thousand blocks a transaction take a
// few statements where the pairs took a b-tree insert each.
func (w *deviceWriter) applyTagPairs(ctx context.Context, add, del [][2]int64) error {
	if len(add)+len(del) == 0 {
		return nil
	}
	blocks := map[tagBlockKey]*tagBlock{}
	for _, ps := range [][][2]int64{del, add} {
		for _, p := range ps {
			blocks[tagBlockKey{p[0], p[1] >> tagBlockShift}] = nil
		}
	}
	keys := make([]tagBlockKey, 0, len(blocks))
	for k := range blocks {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b tagBlockKey) int {
		return cmp.Or(cmp.Compare(a.tag, b.tag), cmp.Compare(a.block, b.block))
	})
	if err := w.loadTagBlocks(ctx, keys, blocks); err != nil {
		return err
	}
	for k := range blocks {
		if blocks[k] == nil {
			blocks[k] = &tagBlock{}
		}
	}
	for _, p := range del {
		blocks[tagBlockKey{p[0], p[1] >> tagBlockShift}].clear(p[1] & (tagBlockDevices - 1))
	}
	for _, p := range add {
		blocks[tagBlockKey{p[0], p[1] >> tagBlockShift}].set(p[1] & (tagBlockDevices - 1))
	}
	put := append(w.buf[:0], '[')
	gone := []byte{'['}
	for _, k := range keys {
		enc := blocks[k].encode()
		if enc == nil {
			gone = appendBlockKey(gone, k)
			continue
		}
		put = appendBlockKeyOpen(put, k)
		put = append(put, ",\""...)
		put = hex.AppendEncode(put, enc)
		put = append(put, "\"],"...)
	}
	w.buf = put
	for _, q := range []struct {
		key, sql string
		doc      []byte
	}{
		{"blocksGone", w.s.dialect.tagBlocks.gone, gone},
		{"blocksPut", w.s.dialect.tagBlocks.put, put},
	} {
		if len(q.doc) == 1 {
			continue
		}
		doc := q.doc
		doc[len(doc)-1] = ']'
		st, err := w.stmt(ctx, q.key, func() string { return q.sql })
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, string(doc)); err != nil {
			return fmt.Errorf("models: write tag blocks: %w", err)
		}
	}
	return nil
}

// tagBlockSQL is a dialect's statements over tag_blocks, each taking one
// JSON array of [tag, block] (put: [tag, block, hex bits]) rows.
type tagBlockSQL struct{ gone, put, get string }

// SQLite reads the keys as integers straight from JSON; "WHERE true" keeps
// ON CONFLICT from parsing as a join constraint.
const (
	sqliteBlocksGone = `DELETE FROM tag_blocks WHERE (tag_id, block) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`
	sqliteBlocksPut  = `INSERT INTO tag_blocks (tag_id, block, bits) SELECT value ->> 0, value ->> 1, unhex(value ->> 2) FROM json_each(?) WHERE true
ON CONFLICT (tag_id, block) DO UPDATE SET bits = excluded.bits`
	sqliteBlocksGet = `SELECT tag_id, block, bits FROM tag_blocks WHERE (tag_id, block) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`
)

// PostgreSQL's ->> gives text: the keys are cast, the bits decoded.
const (
	pgBlocksGone = `DELETE FROM tag_blocks WHERE (tag_id, block) IN
(SELECT (j.value ->> 0)::bigint, (j.value ->> 1)::bigint FROM jsonb_array_elements((?)::jsonb) AS j(value))`
	pgBlocksPut = `INSERT INTO tag_blocks (tag_id, block, bits)
SELECT (j.value ->> 0)::bigint, (j.value ->> 1)::bigint, decode(j.value ->> 2, 'hex') FROM jsonb_array_elements((?)::jsonb) AS j(value)
ON CONFLICT (tag_id, block) DO UPDATE SET bits = excluded.bits`
	pgBlocksGet = `SELECT tag_id, block, bits FROM tag_blocks WHERE (tag_id, block) IN
(SELECT (j.value ->> 0)::bigint, (j.value ->> 1)::bigint FROM jsonb_array_elements((?)::jsonb) AS j(value))`
)

// appendBlockKey appends `[tag,block],`.
func appendBlockKey(b []byte, k tagBlockKey) []byte {
	return append(appendBlockKeyOpen(b, k), "],"...)
}

// appendBlockKeyOpen appends `[tag,block`.
func appendBlockKeyOpen(b []byte, k tagBlockKey) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, k.tag, 10)
	b = append(b, ',')
	return strconv.AppendInt(b, k.block, 10)
}

// loadTagBlocks reads the stored blocks among keys (sorted) into blocks.
func (w *deviceWriter) loadTagBlocks(ctx context.Context, keys []tagBlockKey, blocks map[tagBlockKey]*tagBlock) error {
	st, err := w.stmt(ctx, "blocksGet", func() string { return w.s.dialect.tagBlocks.get })
	if err != nil {
		return err
	}
	for part := range slices.Chunk(keys, 5000) {
		doc := []byte{'['}
		for _, k := range part {
			doc = appendBlockKey(doc, k)
		}
		doc[len(doc)-1] = ']'
		rs, err := st.QueryContext(ctx, string(doc))
		if err != nil {
			return fmt.Errorf("models: read tag blocks: %w", err)
		}
		for rs.Next() {
			var k tagBlockKey
			var b []byte
			if err := rs.Scan(&k.tag, &k.block, &b); err != nil {
				_ = rs.Close() // the scan error is the one worth returning
				return fmt.Errorf("models: read tag blocks: %w", err)
			}
			t, err := decodeTagBlock(b)
			if err != nil {
				_ = rs.Close()
				return fmt.Errorf("models: tag %d block %d: %w", k.tag, k.block, err)
			}
			blocks[k] = &t
		}
		err = rs.Err()
		if cerr := rs.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("models: read tag blocks: %w", err)
		}
	}
	return nil
}

// tagMembers returns the ids of the devices carrying a tag, ascending,
// read from the read pool.
func (s *Store) tagMembers(ctx context.Context, tagID int64) ([]int64, error) {
	rs, err := s.read(ctx).Raw(`SELECT bits, block FROM tag_blocks WHERE tag_id = ? ORDER BY block`, tagID).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: members of tag %d: %w", tagID, err)
	}
	defer rs.Close()
	var ids, offs []int64
	for rs.Next() {
		var b []byte
		var block int64
		if err := rs.Scan(&b, &block); err != nil {
			return nil, fmt.Errorf("models: members of tag %d: %w", tagID, err)
		}
		t, err := decodeTagBlock(b)
		if err != nil {
			return nil, fmt.Errorf("models: tag %d block %d: %w", tagID, block, err)
		}
		offs = t.offsets(offs[:0])
		for _, o := range offs {
			ids = append(ids, block<<tagBlockShift|o)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("models: members of tag %d: %w", tagID, err)
	}
	return ids, nil
}
