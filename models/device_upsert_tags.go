package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Tag names of an upsert become ids here, and devices.tag_ids is written
// and read in one form; the writer keeps the rest of the row logic.

// encodeTagIDs is the devices.tag_ids form of sorted ids: "|3|17|42|", or
// "" for none, so "|17|" matches exactly one id with instr().
func encodeTagIDs(ids []int64) string {
	if len(ids) == 0 {
		return ""
	}
	b := make([]byte, 0, 1+len(ids)*4)
	b = append(b, '|')
	for _, id := range ids {
		b = strconv.AppendInt(b, id, 10)
		b = append(b, '|')
	}
	return string(b)
}

// decodeTagIDs reads devices.tag_ids; it skips anything that is not a
// number (the column is only written by encodeTagIDs).
func decodeTagIDs(s string) []int64 {
	var out []int64
	for part := range strings.SplitSeq(strings.Trim(s, "|"), "|") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// maxTagCache bounds the writer's name → id cache (an import with millions
// of distinct tags must not keep them all).
const maxTagCache = 50000

// resolveTags maps tag names to their sorted ids, creating missing tags.
func (w *deviceWriter) resolveTags(ctx context.Context, names []string) ([]int64, error) {
	out := make([]int64, 0, len(names))
	var missing []string
	for _, n := range names {
		if id, ok := w.tagIDs[n]; ok {
			out = append(out, id)
		} else {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		if len(w.tagIDs)+len(missing) > maxTagCache {
			clear(w.tagIDs)
		}
		ids, err := w.createTags(ctx, missing)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	slices.Sort(out)
	return out, nil
}

// createTags returns the ids of names, inserting the tags that do not exist.
func (w *deviceWriter) createTags(ctx context.Context, names []string) ([]int64, error) {
	args := make([]any, 0, 2*len(names))
	for _, n := range names {
		args = append(args, w.providerID, n)
	}
	// The no-op DO UPDATE makes RETURNING report existing tags too.
	q := `INSERT INTO tags (provider_id, name) VALUES ` + placeholders(len(names), 2) + `
ON CONFLICT (provider_id, name) DO UPDATE SET devices = tags.devices RETURNING id, name`
	rs, err := w.pool(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("models: tags of account %d: %w", w.providerID, err)
	}
	defer rs.Close()
	out := make([]int64, 0, len(names))
	for rs.Next() {
		var id int64
		var name string
		if err := rs.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("models: tags of account %d: %w", w.providerID, err)
		}
		w.tagIDs[name] = id
		out = append(out, id)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("models: tags of account %d: %w", w.providerID, err)
	}
	if len(out) != len(names) {
		return nil, fmt.Errorf("models: tags of account %d: resolved %d of %d", w.providerID, len(out), len(names))
	}
	return out, nil
}
