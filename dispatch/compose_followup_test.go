package dispatch

import "testing"

// TestClipRunes: a follow-up's name is cut at a rune, never inside one.
func TestClipRunes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{{"héllo", 2, "hé"}, {"hé", 5, "hé"}, {"", 3, ""}} {
		if got := clipRunes(tc.in, tc.n); got != tc.want {
			t.Errorf("clipRunes(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
