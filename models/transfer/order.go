package transfer

import (
	"fmt"
	"sort"
	"strings"
)

// fkOrder orders tables so that every table comes after the tables its
// foreign keys point to: each COPY then finds its parents' rows already
// there. A key of a table to itself is checked at the end of its own COPY
// statement, so it needs no order. Ties go by name, so two runs copy in
// the same order. A cycle between tables cannot be ordered and is named.
func fkOrder(names []string, keys [][2]string) ([]string, error) {
	in := map[string]bool{}
	for _, n := range names {
		in[n] = true
	}
	parents := map[string]map[string]bool{}
	children := map[string][]string{}
	for _, k := range keys {
		child, parent := k[0], k[1]
		if child == parent || !in[child] || !in[parent] || parents[child][parent] {
			continue
		}
		if parents[child] == nil {
			parents[child] = map[string]bool{}
		}
		parents[child][parent] = true
		children[parent] = append(children[parent], child)
	}
	var ready []string
	for _, n := range names {
		if len(parents[n]) == 0 {
			ready = append(ready, n)
		}
	}
	sort.Strings(ready)
	out := make([]string, 0, len(names))
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		out = append(out, n)
		for _, c := range children[n] {
			delete(parents[c], n)
			if len(parents[c]) == 0 {
				ready = append(ready, c)
			}
		}
		sort.Strings(ready)
	}
	if len(out) < len(names) {
		var stuck []string
		for _, n := range names {
			if len(parents[n]) > 0 {
				stuck = append(stuck, n)
			}
		}
		sort.Strings(stuck)
		return nil, fmt.Errorf("target: foreign keys form a cycle between %s: no copy order exists", strings.Join(stuck, ", "))
	}
	return out, nil
}
