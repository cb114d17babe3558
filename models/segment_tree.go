package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Node is one node of a condition tree, the GeTui conditional-push model
// (GeTui's conditions) extended to nesting: a group or a condition.
//
//	group:     {"op": "and" | "or" | "not", "items": [node, …]}   ("not": exactly one item)
//	condition: {"field": "tag" | "platform" | "vendor" | "region" | "user_id",
//	            "op": "in" | "not_in" | "all", "values": ["…", …]}
//	attribute: {"field": "attr.<name>", "op": "in" | "not_in" | "exists" |
//	            "gt" | "gte" | "lt" | "lte", "values": [ … ]}
//
// "in" matches a device whose field is any of the values (for tag: carries
// any of the tags), "not_in" one whose field is none of them, and "all"
// (tag only) one that carries every listed tag. Example, GeTui's documented
// "region in (Zhejiang, Shanghai) AND NOT tag(test) AND platform = android":
//
//	{"op": "and", "items": [
//	  {"field": "region", "op": "in", "values": ["Zhejiang", "Shanghai"]},
//	  {"op": "not", "items": [{"field": "tag", "op": "in", "values": ["test"]}]},
//	  {"field": "platform", "op": "in", "values": ["android"]}]}
type Node struct {
	Op     string   `json:"op"`
	Field  string   `json:"field,omitempty"`
	Values []string `json:"values,omitempty"`
	Items  []Node   `json:"items,omitempty"`
}

// Tree limits keep a stored tree, and the one SQL statement it becomes,
// small.
const (
	MaxTreeBytes  = 64 << 10
	MaxTreeDepth  = 6
	MaxTreeNodes  = 100
	MaxTreeValues = 1000
	// MaxTreeTotalValues bounds the values of all conditions together: a
	// hundred conditions of a thousand values each would bind 100,000
	// parameters into one statement.
	MaxTreeTotalValues = 5000
)

// TreeFields are the device fields a condition may test.
var TreeFields = []string{"tag", "platform", "vendor", "region", "user_id"}

// IsGroup reports whether n combines other nodes.
func (n Node) IsGroup() bool { return n.Op == "and" || n.Op == "or" || n.Op == "not" }

// ParseTree decodes and validates a condition tree. Unknown keys, trailing
// data, a wrong type, an unknown field or operator, missing or over-long
// values, and trees that are too deep or too large are a *ValidationError
// whose keys are paths under prefix ("conditions.items[1].values"). It
// never panics, whatever the input. Values are normalized (trimmed,
// de-duplicated; platform and vendor lower-cased).
func ParseTree(raw []byte, prefix string) (Node, error) {
	v := &ValidationError{}
	if len(bytes.TrimSpace(raw)) == 0 {
		v.Add(prefix, "err.required", nil)
		return Node{}, v
	}
	if len(raw) > MaxTreeBytes {
		v.Add(prefix, "err.tree_too_large", map[string]any{"Max": MaxTreeNodes})
		return Node{}, v
	}
	// Reject deep nesting before decoding, so the decoder never recurses
	// far on hostile input.
	if jsonDepth(raw) > 2*MaxTreeDepth+2 {
		v.Add(prefix, "err.tree_too_deep", map[string]any{"Max": MaxTreeDepth})
		return Node{}, v
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var n Node
	if err := dec.Decode(&n); err != nil {
		v.Add(prefix, "err.tree_json", map[string]any{"Reason": treeJSONProblem(err)})
		return Node{}, v
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		v.Add(prefix, "err.tree_json", map[string]any{"Reason": "unexpected data after the tree"})
		return Node{}, v
	}
	var b treeBudget
	n.validate(v, prefix, 1, &b)
	if err := v.Err(); err != nil {
		return Node{}, err
	}
	return n, nil
}

// Validate checks a tree built in code (the form) the way ParseTree does.
func (n *Node) Validate(prefix string) error {
	v := &ValidationError{}
	var b treeBudget
	n.validate(v, prefix, 1, &b)
	return v.Err()
}

// treeBudget counts a tree's nodes and values while it is validated.
type treeBudget struct{ nodes, values int }

// jsonDepth is the deepest nesting of objects and arrays in raw, ignoring
// brackets inside strings.
func jsonDepth(raw []byte) int {
	depth, deepest, inStr, esc := 0, 0, false, false
	for _, c := range raw {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

func treeJSONProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "invalid JSON at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "\"" + te.Field + "\" has the wrong type"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown key " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	}
	return "not a condition tree"
}

func (n *Node) validate(v *ValidationError, path string, depth int, b *treeBudget) {
	b.nodes++
	if b.nodes > MaxTreeNodes {
		v.Add(path, "err.tree_too_large", map[string]any{"Max": MaxTreeNodes})
		return
	}
	if depth > MaxTreeDepth {
		v.Add(path, "err.tree_too_deep", map[string]any{"Max": MaxTreeDepth})
		return
	}
	switch n.Op {
	case "and", "or", "not":
		n.validateGroup(v, path, depth, b)
	case "in", "not_in", "all", "exists", "gt", "gte", "lt", "lte":
		n.validateCondition(v, path, b)
	case "":
		v.Add(join(path, "op"), "err.required", nil)
	default:
		v.Add(join(path, "op"), "err.tree_op", nil)
	}
}

func (n *Node) validateGroup(v *ValidationError, path string, depth int, b *treeBudget) {
	if n.Field != "" || len(n.Values) > 0 {
		v.Add(path, "err.tree_group_shape", nil)
		return
	}
	switch {
	case len(n.Items) == 0:
		v.Add(join(path, "items"), "err.required", nil)
		return
	case n.Op == "not" && len(n.Items) != 1:
		v.Add(join(path, "items"), "err.tree_not_one", nil)
		return
	}
	for i := range n.Items {
		n.Items[i].validate(v, fmt.Sprintf("%s[%d]", join(path, "items"), i), depth+1, b)
	}
}

func (n *Node) validateCondition(v *ValidationError, path string, b *treeBudget) {
	if len(n.Items) > 0 {
		v.Add(path, "err.tree_condition_shape", nil)
		return
	}
	if n.Field == "" {
		v.Add(join(path, "field"), "err.required", nil)
		return
	}
	if name, ok := strings.CutPrefix(n.Field, AttrFieldPrefix); ok {
		n.validateAttrCondition(v, path, name, b)
		return
	}
	if !fixedFieldOp(n.Op) {
		v.Add(join(path, "op"), "err.tree_attr_op", nil)
		return
	}
	if !slices.Contains(TreeFields, n.Field) {
		v.Add(join(path, "field"), "err.tree_field", nil)
		return
	}
	if n.Op == "all" && n.Field != "tag" {
		v.Add(join(path, "op"), "err.tree_all_tags", nil)
		return
	}
	vals := make([]string, 0, len(n.Values))
	for _, x := range n.Values {
		x = strings.TrimSpace(x)
		if n.Field == "platform" || n.Field == "vendor" {
			x = strings.ToLower(x)
		}
		if x != "" && !slices.Contains(vals, x) {
			vals = append(vals, x)
		}
	}
	n.Values = vals
	vp := join(path, "values")
	switch {
	case len(vals) == 0:
		v.Add(vp, "err.required", nil)
		return
	case len(vals) > MaxTreeValues:
		v.Add(vp, "err.too_many", map[string]any{"Max": MaxTreeValues})
		return
	}
	b.values += len(vals)
	if b.values > MaxTreeTotalValues {
		v.Add(vp, "err.tree_too_many_values", map[string]any{"Max": MaxTreeTotalValues})
		return
	}
	limit := map[string]int{"tag": MaxTagLen, "platform": 16, "vendor": MaxVendorLen, "region": MaxRegionLen, "user_id": MaxUserIDLen}[n.Field]
	for _, x := range vals {
		if !checkText(v, vp, x, limit) {
			return
		}
		if n.Field == "platform" && !validPlatform(x) {
			v.Add(vp, "err.audience_platform", nil)
			return
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// treeColumns whitelists the device columns a condition may name; they
// are the only identifiers spliced into SQL, never a value.
var treeColumns = map[string]string{"platform": "d.platform", "vendor": "d.vendor", "region": "d.region", "user_id": "d.user_id"}

// sqlExpr is a WHERE fragment over "devices d" and its bound arguments.
type sqlExpr struct {
	sb   strings.Builder
	args []any
	// d is the store's dialect, for the forms that differ.
	d *sqlDialect
}

// compile writes a validated tree as a boolean SQL expression over the
// alias d (devices). tags maps the tree's tag names to the account's tag
// ids (resolveTags); a name missing from it is a tag nobody carries.
// Values are bound parameters; identifiers and operators come from fixed
// tables.
func (n Node) compile(e *sqlExpr, tags map[string]int64) {
	switch n.Op {
	case "and", "or":
		e.sb.WriteByte('(')
		for i, it := range n.Items {
			if i > 0 {
				e.sb.WriteString(map[string]string{"and": " AND ", "or": " OR "}[n.Op])
			}
			it.compile(e, tags)
		}
		e.sb.WriteByte(')')
	case "not":
		if len(n.Items) != 1 {
			e.sb.WriteString("FALSE") // unreachable for a validated tree
			return
		}
		e.sb.WriteString("NOT ")
		n.Items[0].compile(e, tags)
	default:
		n.compileCondition(e, tags)
	}
}

func (n Node) compileCondition(e *sqlExpr, tags map[string]int64) {
	if n.Field == "tag" {
		n.compileTag(e, tags)
		return
	}
	if name, ok := strings.CutPrefix(n.Field, AttrFieldPrefix); ok {
		n.compileAttr(e, name)
		return
	}
	col, ok := treeColumns[n.Field]
	op, okOp := map[string]string{"in": " IN (", "not_in": " NOT IN ("}[n.Op]
	if !ok || !okOp || len(n.Values) == 0 {
		e.sb.WriteString("FALSE") // unreachable for a validated tree
		return
	}
	e.sb.WriteString(col + op + placeholders(len(n.Values), 1) + ")")
	for _, x := range n.Values {
		e.args = append(e.args, x)
	}
}

// tagInstrMax is the most tag ids a condition tests one by one with
// instr() on the device's tag_ids ("|3|17|"), in the row the scan already
// reads. More are matched as a set: the device's few ids are looked up in
// the condition's ids, which SQLite builds into a temporary index once
// per statement, so the cost per device no longer grows with the list
// (990 instr() terms made an expression tree SQLite refuses, and 12 × 900
// took seconds over 10,000 devices).
const tagInstrMax = 3

// compileTag writes a tag condition over the resolved ids. A tag no
// device of the account carries matches nobody, so "not in" it holds for
// every device and "all" with it for none.
func (n Node) compileTag(e *sqlExpr, tags map[string]int64) {
	ids := make([]int64, 0, len(n.Values))
	for _, x := range n.Values {
		if id, ok := tags[x]; ok {
			ids = append(ids, id)
		}
	}
	neg := ""
	switch {
	case n.Op == "not_in":
		neg = "NOT "
	case n.Op == "all" && len(ids) < len(n.Values):
		e.sb.WriteString("FALSE")
		return
	case n.Op != "in" && n.Op != "all":
		e.sb.WriteString("FALSE") // unreachable for a validated tree
		return
	}
	if len(ids) == 0 {
		e.sb.WriteString(map[string]string{"": "FALSE", "NOT ": "TRUE"}[neg])
		return
	}
	if len(ids) <= tagInstrMax {
		join := " OR "
		if n.Op == "all" {
			join = " AND "
		}
		e.sb.WriteString(neg + "(")
		for i, id := range ids {
			if i > 0 {
				e.sb.WriteString(join)
			}
			e.sb.WriteString(e.d.contains("d.tag_ids"))
			e.args = append(e.args, "|"+strconv.FormatInt(id, 10)+"|")
		}
		e.sb.WriteString(")")
		return
	}
	set, err := json.Marshal(ids)
	if err != nil {
		e.sb.WriteString("FALSE") // unreachable: a list of integers always marshals
		return
	}
	in := " WHERE t.value IN (SELECT s.value FROM " + e.d.eachText("?", "s") + ")"
	if n.Op == "all" {
		e.sb.WriteString("(SELECT count(*) FROM " + e.d.deviceTagSet + in + ") = ?")
		e.args = append(e.args, string(set), len(ids))
		return
	}
	e.sb.WriteString(neg + "EXISTS (SELECT 1 FROM " + e.d.deviceTagSet + in + ")")
	e.args = append(e.args, string(set))
}

// tagNames adds the tag names the tree tests to out.
func (n Node) tagNames(out map[string]struct{}) {
	if n.Field == "tag" {
		for _, x := range n.Values {
			out[x] = struct{}{}
		}
	}
	for _, it := range n.Items {
		it.tagNames(out)
	}
}
