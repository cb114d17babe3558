package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

type audienceMode int

const (
	modeWhere      audienceMode = iota // expr over devices d
	modeCIDs                           // values: sorted distinct cids
	modeAliasSet                       // values: a large alias list
	modeStoredCIDs                     // stored: a campaign's stored cid list
)

type resolved struct {
	mode   audienceMode
	expr   *sqlExpr
	values []string
	stored int64 // the campaign whose stored list modeStoredCIDs is
}

// resolveAudience validates a and turns it into a filter. providerID 0
// only validates (tag ids are looked up by account at query time).
func (s *Store) resolveAudience(ctx context.Context, providerID int64, a *Audience) (resolved, error) {
	v := &ValidationError{}
	r := resolved{expr: &sqlExpr{d: &s.dialect}}
	switch a.Kind {
	case "all":
		r.expr.sb.WriteString("TRUE")
	case "alias", "cid":
		if st := a.Stored; st != nil && st.Campaign != 0 && len(a.Values) == 0 {
			// A stored list (validated when stored) is matched in SQL
			// against its primary key, never loaded.
			if a.Kind == "cid" {
				r.mode, r.stored = modeStoredCIDs, st.Campaign
				return r, nil
			}
			r.expr.sb.WriteString("d.alias IN (SELECT value FROM campaign_values WHERE campaign_id = ?)")
			r.expr.args = append(r.expr.args, st.Campaign)
			return r, nil
		}
		fallthrough
	case "tag":
		limit := MaxAudienceValues
		if a.Kind == "tag" {
			limit = MaxAudienceTags
		}
		// Counted before de-duplication, which builds a set as large as
		// the list: an oversize list is refused before it is copied.
		if len(a.Values) > limit {
			v.Add("audience.values", "err.too_many", map[string]any{"Max": limit})
			return r, v
		}
		a.Values = dedupeStrings(a.Values)
		switch {
		case len(a.Values) == 0:
			v.Add("audience.values", "err.required", nil)
		case len(a.Values) > limit:
			v.Add("audience.values", "err.too_many", map[string]any{"Max": limit})
		}
		for _, x := range a.Values {
			if len(x) > maxAudienceValueLen {
				v.Add("audience.values", "err.value_too_long", map[string]any{"Max": maxAudienceValueLen})
				break
			}
		}
		if err := v.Err(); err != nil {
			return r, err
		}
		switch {
		case a.Kind == "tag":
			n := Node{Op: "in", Field: "tag", Values: a.Values}
			tags, err := s.resolveTags(ctx, providerID, n)
			if err != nil {
				return r, err
			}
			n.compileTag(r.expr, tags)
		case a.Kind == "cid":
			r.mode, r.values = modeCIDs, slices.Sorted(slices.Values(a.Values))
		case len(a.Values) > smallList:
			r.mode, r.values = modeAliasSet, a.Values
		default:
			r.expr.sb.WriteString("d.alias IN (" + placeholders(len(a.Values), 1) + ")")
			for _, x := range a.Values {
				r.expr.args = append(r.expr.args, x)
			}
		}
	case "segment", "conditions":
		var tree Node
		var err error
		if a.Kind == "segment" {
			tree, err = s.segmentTree(ctx, a.Values)
		} else {
			tree, err = ParseTree(a.Tree, "audience.conditions")
		}
		if err != nil {
			return r, err
		}
		tags, err := s.resolveTags(ctx, providerID, tree)
		if err != nil {
			return r, err
		}
		tree.compile(r.expr, tags)
	case "":
		v.Add("audience.kind", "err.required", nil)
	default:
		v.Add("audience.kind", "err.choice", nil)
	}
	if r.mode == modeWhere && !a.IncludeInvalid && (a.Kind == "all" || a.Kind == "tag" || a.Kind == "segment" || a.Kind == "conditions") {
		// A token a provider refused is not paid for again by every later
		// campaign; the parentheses keep a top-level OR of the tree apart.
		e := r.expr.sb.String()
		r.expr.sb.Reset()
		r.expr.sb.WriteString("(" + e + ") AND d.invalid_at IS NULL")
	}
	return r, v.Err()
}

// resolveTags maps the tag names a tree tests to the account's tag ids,
// in one query, so the statement the tree becomes compares ids and never
// looks a name up per device. providerID 0 (validation only) resolves
// nothing.
func (s *Store) resolveTags(ctx context.Context, providerID int64, tree Node) (map[string]int64, error) {
	names := map[string]struct{}{}
	tree.tagNames(names)
	out := make(map[string]int64, len(names))
	if providerID == 0 || len(names) == 0 {
		return out, nil
	}
	list, err := json.Marshal(slices.Collect(maps.Keys(names)))
	if err != nil {
		return nil, fmt.Errorf("models: resolve tags: %w", err)
	}
	var rows []struct {
		Name string
		ID   int64
	}
	err = s.read(ctx).Raw(`SELECT name, id FROM tags WHERE provider_id = ? AND name IN (SELECT n.value FROM `+s.dialect.eachText("?", "n")+`)`, providerID, string(list)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: resolve tags of account %d: %w", providerID, err)
	}
	for _, r := range rows {
		out[r.Name] = r.ID
	}
	return out, nil
}

// segmentTree loads the tree of the segment named by a segment audience's
// single value (its id).
func (s *Store) segmentTree(ctx context.Context, values []string) (Node, error) {
	v := &ValidationError{}
	if len(values) != 1 {
		v.Add("audience.values", "err.segment_one", nil)
		return Node{}, v
	}
	id, err := strconv.ParseInt(values[0], 10, 64)
	if err != nil || id <= 0 {
		v.Add("audience.values", "err.segment_unknown", nil)
		return Node{}, v
	}
	sg, err := s.SegmentByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		v.Add("audience.values", "err.segment_unknown", nil)
		return Node{}, v
	}
	if err != nil {
		return Node{}, err
	}
	// A stored tree was validated when saved; validate again so a tree
	// edited behind the store's back cannot become bad SQL.
	if err := sg.Tree.Validate("audience.segment"); err != nil {
		return Node{}, err
	}
	return sg.Tree, nil
}
