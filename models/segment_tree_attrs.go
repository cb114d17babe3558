package models

import (
	"slices"
	"strconv"
	"strings"
)

// AttrFieldPrefix starts a condition field that tests a device attribute:
// "attr.plan" tests the attribute "plan".
const AttrFieldPrefix = "attr."

// Attribute conditions:
//
//	in      the attribute is one of the values ("equals" is in with one value)
//	not_in  the attribute is none of the values, or the device lacks it
//	exists  the device has the attribute (no values)
//	gt gte lt lte  the attribute reads as a number and compares so with the
//	        one numeric value; a device whose value is not a number (or
//	        that lacks it) does not match
var (
	attrValueOps = []string{"in", "not_in"}
	attrNumOps   = map[string]string{"gt": " > ", "gte": " >= ", "lt": " < ", "lte": " <= "}
)

// fixedFieldOp reports whether op applies to the fixed fields.
func fixedFieldOp(op string) bool { return op == "in" || op == "not_in" || op == "all" }

// validateAttrCondition checks a condition on attribute name and
// normalizes its values (trimmed, de-duplicated).
func (n *Node) validateAttrCondition(v *ValidationError, path, name string, b *treeBudget) {
	if !checkAttrName(v, join(path, "field"), name) {
		return
	}
	vp := join(path, "values")
	vals := make([]string, 0, len(n.Values))
	for _, x := range n.Values {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(vals, x) {
			vals = append(vals, x)
		}
	}
	n.Values = vals
	switch {
	case n.Op == "all":
		v.Add(join(path, "op"), "err.tree_all_tags", nil)
	case n.Op == "exists":
		if len(vals) > 0 {
			v.Add(vp, "err.tree_exists_values", nil)
		}
	case attrNumOps[n.Op] != "":
		if len(vals) != 1 {
			v.Add(vp, "err.tree_one_number", nil)
			return
		}
		if _, err := strconv.ParseFloat(vals[0], 64); err != nil {
			v.Add(vp, "err.tree_one_number", nil)
		}
		b.values++
	case slices.Contains(attrValueOps, n.Op):
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
		for _, x := range vals {
			if !checkText(v, vp, x, MaxAttrValueLen) {
				return
			}
		}
	default:
		v.Add(join(path, "op"), "err.tree_op", nil)
	}
}

// attrNumber is the attribute's value as a number, or NULL when it does
// not read as a JSON number: SQLite would otherwise take "abc" as 0 and
// "12abc" as 12. json_type only runs on valid JSON (it raises an error
// otherwise), hence the nested CASE rather than AND. %[1]s is the value,
// which binds the path each time.
const attrNumber = `CASE WHEN json_valid(%[1]s) THEN CASE WHEN json_type(%[1]s) IN ('integer', 'real') THEN %[1]s + 0 END END`

// pgAttrNumber is attrNumber for PostgreSQL: a JSON number's syntax
// (written without ?, which would read as a placeholder), then a cast.
const pgAttrNumber = `CASE WHEN %[1]s ~ '^-{0,1}(0|[1-9][0-9]*)([.][0-9]+){0,1}([eE][-+]{0,1}[0-9]+){0,1}$' THEN (%[1]s)::float8 END`

// compileAttr writes an attribute condition. The JSON path is bound, not
// spliced; the name is validated to [A-Za-z0-9_] and quoted in the path so
// a name of digits stays a key.
func (n Node) compileAttr(e *sqlExpr, name string) {
	path := e.d.attrPath(name)
	val := e.d.jsonText("d.attributes")
	switch {
	case n.Op == "exists":
		e.sb.WriteString(e.d.jsonHas("d.attributes"))
		e.args = append(e.args, path)
	case n.Op == "in" && len(n.Values) > 0:
		e.sb.WriteString(val + " IN (" + placeholders(len(n.Values), 1) + ")")
		e.args = append(e.args, path)
		for _, x := range n.Values {
			e.args = append(e.args, x)
		}
	case n.Op == "not_in" && len(n.Values) > 0:
		e.sb.WriteString("coalesce(" + val + " NOT IN (" + placeholders(len(n.Values), 1) + "), TRUE)")
		e.args = append(e.args, path)
		for _, x := range n.Values {
			e.args = append(e.args, x)
		}
	case attrNumOps[n.Op] != "" && len(n.Values) == 1:
		f, err := strconv.ParseFloat(n.Values[0], 64)
		if err != nil {
			e.sb.WriteString("FALSE") // unreachable for a validated tree
			return
		}
		num := strings.ReplaceAll(e.d.attrNumber, "%[1]s", val)
		e.sb.WriteString("(" + num + ")" + attrNumOps[n.Op] + "?")
		for range strings.Count(e.d.attrNumber, "%[1]s") {
			e.args = append(e.args, path)
		}
		e.args = append(e.args, f)
	default:
		e.sb.WriteString("FALSE") // unreachable for a validated tree
	}
}
