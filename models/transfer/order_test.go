package transfer

import (
	"reflect"
	"strings"
	"testing"
)

func TestFKOrder(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		keys  [][2]string
		want  []string
		cycle string
	}{
		{"no keys: by name", []string{"b", "a", "c"}, nil, []string{"a", "b", "c"}, ""},
		{"parents first", []string{"deliveries", "campaigns", "accounts"},
			[][2]string{{"deliveries", "campaigns"}, {"campaigns", "accounts"}},
			[]string{"accounts", "campaigns", "deliveries"}, ""},
		{"self reference ignored", []string{"a", "b"}, [][2]string{{"a", "a"}, {"a", "b"}}, []string{"b", "a"}, ""},
		{"key to a table outside the copy ignored", []string{"a"}, [][2]string{{"a", "elsewhere"}}, []string{"a"}, ""},
		{"two keys to one parent", []string{"c", "p"}, [][2]string{{"c", "p"}, {"c", "p"}}, []string{"p", "c"}, ""},
		{"cycle named", []string{"x", "y", "z"}, [][2]string{{"x", "y"}, {"y", "x"}}, nil, "x, y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fkOrder(tc.names, tc.keys)
			if tc.cycle != "" {
				if err == nil || !strings.Contains(err.Error(), tc.cycle) {
					t.Fatalf("got %v, %v; want a cycle error naming %s", got, err, tc.cycle)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
