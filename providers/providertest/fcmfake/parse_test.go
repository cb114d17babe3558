package fcmfake

import (
	"reflect"
	"regexp"
	"testing"
)

// A remembered message gives exactly what the strict decode gives, and
// bodies it cannot stand for (a later token key, an escaped or odd token,
// a violation) go through the decode every time.
func TestParseCacheMatchesDecode(t *testing.T) {
	t.Parallel()
	const rest = `","android":{"collapse_key":"c"},"data":{"token":"x"}}}`
	bodies := []string{
		`{"message":{"token":"a` + rest,
		`{"message":{"token":"b` + rest,
		`{"message":{"token":"a\"b` + rest,
		`{"message":{"token":"tab` + "\t" + rest,
		`{"message":{"token":"é` + rest,
		`{"message":{"token":"` + rest,
		`{"message":{"token":"a","token":"z"}}`,
		`{"message":{"token":"b","token":"z"}}`,
		`{"message":{"token":"a","token":""}}`,
		`{"message":{"token":"b","token":""}}`,
		`{"message":{"token":"a","bogus":1}}`,
		`{"message":{"token":"b","bogus":1}}`,
		`{"message":{"token":"a"}} {}`,
		`{"message":{"token":"b"}} {}`,
		`{"message":{"token":"a","topic":"t"}}`,
		`{"message":{"token":"b","topic":"t"}}`,
	}
	var c parseCache
	for round := range 2 {
		for _, b := range bodies {
			got, gv := c.parsed([]byte(b))
			want, wv := decodeValid([]byte(b))
			if !reflect.DeepEqual(gv, wv) {
				t.Fatalf("round %d %s: violation %v, decode says %v", round, b, gv, wv)
			}
			if wv == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d %s: %+v, decode says %+v", round, b, got.Message, want.Message)
			}
		}
	}
	if len(c.m) != 1 {
		t.Fatalf("%d messages remembered, want 1 (only the first shape is safe to reuse)", len(c.m))
	}
}

// tokenChars accepts exactly what FCM's token pattern matches.
func TestTokenChars(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[A-Za-z0-9_:.\-]+$`)
	for _, tok := range []string{"", "a", "Zz09_:.-", "fMEP0vJqS0:APA91bH-x_y.z", "a b", "a/b", "a+b", "é", "a\x00", "tok\n", "[x]", "a`b"} {
		if got, want := tokenChars(tok), re.MatchString(tok); got != want {
			t.Errorf("tokenChars(%q) = %t, the pattern says %t", tok, got, want)
		}
	}
}
