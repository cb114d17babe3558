package models

import (
	"encoding/json"
	"testing"
)

func TestSegmentAttributeConditions(t *testing.T) {
	s := mustOpenStore(t)
	acct := mustCreateAccount(t, s)
	// score: a number, a decimal, a negative, a word that must not read as
	// 0, a number with a tail that must not read as 12, and absent.
	importString(t, s, acct, "cid,plan,score,123\n"+
		"A,gold,10,x\nB,silver,2.5,\nC,gold,-3,\nD,,abc,\nE,bronze,12abc,\nF,,,\n", ImportOptions{})
	cases := []struct {
		name, tree string
		want       int64
	}{
		{"equals", `{"field":"attr.plan","op":"in","values":["gold"]}`, 2},
		{"any of", `{"field":"attr.plan","op":"in","values":["gold","silver"]}`, 3},
		{"none of counts the absent", `{"field":"attr.plan","op":"not_in","values":["gold"]}`, 4},
		{"exists", `{"field":"attr.plan","op":"exists"}`, 4},
		{"not exists", `{"op":"not","items":[{"field":"attr.plan","op":"exists"}]}`, 2},
		{"gt", `{"field":"attr.score","op":"gt","values":["2.5"]}`, 1},
		{"gte", `{"field":"attr.score","op":"gte","values":["2.5"]}`, 2},
		{"lt skips words", `{"field":"attr.score","op":"lt","values":["5"]}`, 2},
		{"lte", `{"field":"attr.score","op":"lte","values":["-3"]}`, 1},
		{"digit name", `{"field":"attr.123","op":"exists"}`, 1},
		{"with fixed fields", `{"op":"and","items":[{"field":"attr.plan","op":"in","values":["gold"]},{"field":"attr.score","op":"gt","values":["0"]}]}`, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.CountAudience(t.Context(), acct.ID, Audience{Kind: "conditions", Tree: json.RawMessage(tc.tree)})
			if err != nil || n != tc.want {
				t.Errorf("got %d (%v), want %d", n, err, tc.want)
			}
		})
	}
}

func TestSegmentAttributeValidation(t *testing.T) {
	cases := []struct {
		name, tree, key, want string
	}{
		{"bad name", `{"field":"attr.my-plan","op":"exists"}`, "c.field", "err.attr_name"},
		{"reserved name", `{"field":"attr.region","op":"exists"}`, "c.field", "err.attr_name_reserved"},
		{"exists with values", `{"field":"attr.plan","op":"exists","values":["x"]}`, "c.values", "err.tree_exists_values"},
		{"gt without a number", `{"field":"attr.score","op":"gt","values":["many"]}`, "c.values", "err.tree_one_number"},
		{"gt with two", `{"field":"attr.score","op":"gt","values":["1","2"]}`, "c.values", "err.tree_one_number"},
		{"in without values", `{"field":"attr.plan","op":"in"}`, "c.values", "err.required"},
		{"all on an attribute", `{"field":"attr.plan","op":"all","values":["x"]}`, "c.op", "err.tree_all_tags"},
		{"gt on a fixed field", `{"field":"region","op":"gt","values":["1"]}`, "c.op", "err.tree_attr_op"},
		{"exists on a fixed field", `{"field":"region","op":"exists"}`, "c.op", "err.tree_attr_op"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTree([]byte(tc.tree), "c")
			if got := fieldIDs(err)[tc.key]; got != tc.want {
				t.Errorf("got %v, want %s at %s", err, tc.want, tc.key)
			}
		})
	}
}
