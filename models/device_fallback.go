package models

import (
	"context"
	"encoding/json"
	"fmt"
)

// FallbackAudience is the part of an audience whose devices lack at least
// one of attrs, as a condition audience CountAudience counts: the share
// that would see a placeholder's fallback. ok is false for a listed
// audience (cid, alias), whose recipients need not be registered devices.
func (s *Store) FallbackAudience(ctx context.Context, a Audience, attrs []string) (Audience, bool, error) {
	if len(attrs) == 0 {
		return Audience{}, false, nil
	}
	all := Node{Op: "and"}
	for _, name := range attrs {
		all.Items = append(all.Items, Node{Field: "attr." + name, Op: "exists"})
	}
	missing := Node{Op: "not", Items: []Node{all}}
	var tree Node
	switch a.Kind {
	case "all":
		tree = missing
	case "tag":
		tree = Node{Op: "and", Items: []Node{{Field: "tag", Op: "in", Values: a.Values}, missing}}
	case "segment", "conditions":
		var base Node
		var err error
		if a.Kind == "segment" {
			base, err = s.segmentTree(ctx, a.Values)
		} else {
			base, err = ParseTree(a.Tree, "audience.conditions")
		}
		if err != nil {
			return Audience{}, false, err
		}
		tree = Node{Op: "and", Items: []Node{base, missing}}
	default:
		return Audience{}, false, nil
	}
	raw, err := json.Marshal(tree)
	if err != nil {
		return Audience{}, false, fmt.Errorf("models: encode fallback tree: %w", err)
	}
	return Audience{Kind: "conditions", Tree: raw}, true, nil
}
