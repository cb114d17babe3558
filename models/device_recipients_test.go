package models

import (
	"context"
	"slices"
	"testing"
)

// TestRecipientDevices: a batch's devices come back by cid or by alias
// with their attributes; unknown recipients are absent; the attribute
// names of an account are listed once each.
func TestRecipientDevices(t *testing.T) {
	s := mustOpenStore(t)
	a := mustCreateAccount(t, s)
	ctx := context.Background()
	str := func(v string) *string { return &v }
	ann := Attributes{"name": "Ann", "plan": "pro"}
	bob := Attributes{"name": "Bob"}
	if _, err := s.UpsertDevices(ctx, a.ID, []DeviceInput{
		{CID: "c1", Alias: str("al1"), Region: str("north"), Attributes: &ann},
		{CID: "c2", Alias: str("al2"), Attributes: &bob},
		{CID: "c3"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		byAlias bool
		keys    []string
		want    map[string]string // key → name attribute
	}{
		{name: "by cid", keys: []string{"c1", "c2", "c3", "nope"}, want: map[string]string{"c1": "Ann", "c2": "Bob", "c3": ""}},
		{name: "by alias", byAlias: true, keys: []string{"al1", "al2"}, want: map[string]string{"al1": "Ann", "al2": "Bob"}},
		{name: "none", keys: nil, want: map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.RecipientDevices(ctx, a.ID, tc.byAlias, tc.keys)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d devices, want %d", len(got), len(tc.want))
			}
			for _, d := range got {
				if name, ok := tc.want[d.Key]; !ok || d.Attributes["name"] != name {
					t.Errorf("%s: %+v", d.Key, d)
				}
				if d.CID == "c1" && d.Region != "north" {
					t.Errorf("fixed fields: %+v", d)
				}
			}
		})
	}
	names, err := s.AttributeNames(ctx, a.ID, 100)
	if err != nil || !slices.Equal(names, []string{"name", "plan"}) {
		t.Fatalf("AttributeNames = %v, %v", names, err)
	}
}
