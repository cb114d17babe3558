package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/audience"
)

// The segment builder form encodes a two-level tree without any code:
// top_op (and / or) combines groups; group i has g{i}_op (and / or),
// g{i}_not and rows g{i}_r{j}_field / _op / _values. groups and g{i}_rows
// count them. Deeper trees (from the API) are edited as JSON instead.
// A row testing an attribute has the field "attr" and the attribute's
// name in g{i}_r{j}_attr; its operator "eq" is "in" with exactly one value.

// Builder bounds keep a hostile form from allocating much.
const (
	maxBuilderGroups = 20
	maxBuilderRows   = 50
)

// builderFromForm reads the builder's fields as typed.
func builderFromForm(c *gin.Context) audience.Builder {
	count := func(key string, max int) int {
		n, err := strconv.Atoi(c.PostForm(key))
		if err != nil || n < 0 {
			return 0
		}
		return min(n, max)
	}
	b := audience.Builder{TopOp: orDefault(c.PostForm("top_op"), "and")}
	for gi := range count("groups", maxBuilderGroups) {
		g := audience.Group{Index: gi}
		g.Op = orDefault(c.PostForm(g.Name("op")), "and")
		g.Not = c.PostForm(g.Name("not")) == "1"
		for ri := range count(g.Name("rows"), maxBuilderRows) {
			r := audience.Row{Group: gi, Index: ri}
			r.Field, r.Op, r.Values = c.PostForm(r.Name("field")), orDefault(c.PostForm(r.Name("op")), "in"), c.PostForm(r.Name("values"))
			r.Attr = strings.TrimSpace(c.PostForm(r.Name("attr")))
			g.Rows = append(g.Rows, r)
		}
		b.Groups = append(b.Groups, g)
	}
	return b
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// applyBuilderAction runs a row or group button: add_row:G, del_row:G:R,
// add_group, del_group:G. Unknown or out-of-range actions change nothing.
func applyBuilderAction(b audience.Builder, action string) audience.Builder {
	name, arg, _ := strings.Cut(action, ":")
	gs, rs, _ := strings.Cut(arg, ":")
	gi, gerr := strconv.Atoi(gs)
	ri, rerr := strconv.Atoi(rs)
	okGroup := gerr == nil && gi >= 0 && gi < len(b.Groups)
	switch {
	case name == "add_group" && len(b.Groups) < maxBuilderGroups:
		b.Groups = append(b.Groups, audience.Group{Op: "and", Rows: []audience.Row{{Field: "tag", Op: "in"}}})
	case name == "del_group" && okGroup:
		b.Groups = slices.Delete(b.Groups, gi, gi+1)
	case name == "add_row" && okGroup && len(b.Groups[gi].Rows) < maxBuilderRows:
		b.Groups[gi].Rows = append(b.Groups[gi].Rows, audience.Row{Field: "tag", Op: "in"})
	case name == "del_row" && okGroup && rerr == nil && ri >= 0 && ri < len(b.Groups[gi].Rows):
		b.Groups[gi].Rows = slices.Delete(b.Groups[gi].Rows, ri, ri+1)
		if len(b.Groups[gi].Rows) == 0 {
			b.Groups = slices.Delete(b.Groups, gi, gi+1)
		}
	}
	return b
}

// reindex renumbers groups and rows after a change.
func reindex(b audience.Builder) audience.Builder {
	for gi := range b.Groups {
		b.Groups[gi].Index = gi
		for ri := range b.Groups[gi].Rows {
			b.Groups[gi].Rows[ri].Group, b.Groups[gi].Rows[ri].Index = gi, ri
		}
	}
	return b
}

// treeFromBuilder turns the builder into a tree, checking each row on its
// own so its problem shows beside it. A group of one row is the row itself;
// a single group is the whole tree.
func treeFromBuilder(ctx context.Context, b *audience.Builder) (models.Node, bool) {
	ok := len(b.Groups) > 0
	var items []models.Node
	for gi := range b.Groups {
		g := &b.Groups[gi]
		if len(g.Rows) == 0 {
			g.Error, ok = i18n.T(ctx, "audience.group_empty"), false
			continue
		}
		var conds []models.Node
		for ri := range g.Rows {
			r := &g.Rows[ri]
			n, problem := nodeFromRow(ctx, *r)
			if problem == "" {
				if err := n.Validate(""); err != nil {
					problem = rowError(ctx, err)
				}
			}
			if problem != "" {
				r.Error, ok = problem, false
				continue
			}
			conds = append(conds, n)
		}
		node := models.Node{Op: g.Op, Items: conds}
		if len(conds) == 1 {
			node = conds[0]
		}
		if g.Not {
			node = models.Node{Op: "not", Items: []models.Node{node}}
		}
		items = append(items, node)
	}
	if !ok {
		return models.Node{}, false
	}
	if len(items) == 1 {
		return items[0], true
	}
	return models.Node{Op: b.TopOp, Items: items}, true
}

// Builder-only names: the field of an attribute row, and "equals".
const (
	attrRowField = "attr"
	opEquals     = "eq"
)

// nodeFromRow is a row's condition, or the row's problem that the tree's
// own validation would word less clearly (an attribute row without a name,
// "equals" with several values).
func nodeFromRow(ctx context.Context, r audience.Row) (models.Node, string) {
	n := models.Node{Op: r.Op, Field: r.Field, Values: splitConditionValues(r.Values)}
	if r.Field == attrRowField {
		if r.Attr == "" {
			return n, i18n.T(ctx, "attributes.cond_name") + ": " + i18n.T(ctx, "err.required")
		}
		n.Field = models.AttrFieldPrefix + r.Attr
	}
	if r.Op == opEquals {
		n.Op = "in"
		if len(n.Values) > 1 {
			return n, i18n.T(ctx, "audience.cond_values") + ": " + i18n.T(ctx, "attributes.err_one_value")
		}
	}
	return n, ""
}

// splitConditionValues splits a row's values on commas and newlines only:
// a region may hold spaces ("Inner Mongolia").
func splitConditionValues(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == '，' })
}

// rowError renders a row's validation problem without the path.
func rowError(ctx context.Context, err error) string {
	ve, ok := err.(*models.ValidationError)
	if !ok || len(ve.Fields) == 0 {
		return i18n.T(ctx, "error.internal")
	}
	for _, k := range []string{"field", "op", "values", ""} {
		if fe, found := ve.Fields[k]; found {
			label := "audience.cond_" + orDefault(k, "values")
			return i18n.T(ctx, label) + ": " + i18n.T(ctx, fe.ID, fe.Data)
		}
	}
	for _, fe := range ve.Fields {
		return i18n.T(ctx, fe.ID, fe.Data)
	}
	return ""
}

// builderFromTree shows a stored tree in the builder when it fits its two
// levels; ok is false for a deeper tree.
func builderFromTree(n models.Node) (audience.Builder, bool) {
	b := audience.Builder{TopOp: "and"}
	switch {
	case !n.IsGroup():
		g, _ := groupFromNode(n)
		b.Groups = []audience.Group{g}
		return b, true
	case n.Op == "not":
		g, ok := groupFromNode(n)
		b.Groups = []audience.Group{g}
		return b, ok
	}
	b.TopOp = n.Op
	if allConditions(n.Items) {
		g, _ := groupFromNode(n)
		b.Groups = []audience.Group{g}
		return b, true
	}
	for _, it := range n.Items {
		g, ok := groupFromNode(it)
		if !ok {
			return audience.Builder{}, false
		}
		b.Groups = append(b.Groups, g)
	}
	return b, true
}

// groupFromNode maps a condition, an and/or of conditions, or the NOT of
// either to one group.
func groupFromNode(n models.Node) (audience.Group, bool) {
	g := audience.Group{Op: "and"}
	if n.Op == "not" {
		if len(n.Items) != 1 {
			return g, false
		}
		g.Not, n = true, n.Items[0]
	}
	switch {
	case !n.IsGroup():
		if !allConditions([]models.Node{n}) {
			return g, false
		}
		g.Rows = []audience.Row{rowFromNode(n)}
	case n.Op != "not" && allConditions(n.Items):
		g.Op = n.Op
		for _, it := range n.Items {
			g.Rows = append(g.Rows, rowFromNode(it))
		}
	default:
		return g, false
	}
	return g, true
}

// allConditions reports whether ns are all conditions (the builder's
// rows), none a group.
func allConditions(ns []models.Node) bool {
	for _, n := range ns {
		if n.IsGroup() {
			return false
		}
	}
	return true
}

// rowFromNode shows a condition as a row: an attribute's condition as an
// attribute row, its "in" with one value as "equals".
func rowFromNode(n models.Node) audience.Row {
	r := audience.Row{Field: n.Field, Op: n.Op, Values: strings.Join(n.Values, ", ")}
	if name, ok := strings.CutPrefix(n.Field, models.AttrFieldPrefix); ok {
		r.Field, r.Attr = attrRowField, name
		if n.Op == "in" && len(n.Values) == 1 {
			r.Op = opEquals
		}
	}
	return r
}
