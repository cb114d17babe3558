package transfer

import (
	"errors"
	"testing"
	"time"
)

func TestConvert(t *testing.T) {
	when := time.Date(2026, 12, 5, 21, 30, 15, 123456789, time.UTC)
	tests := []struct {
		name  string
		class class
		in    any
		want  any
	}{
		{"null stays null", classBool, nil, nil},
		{"text from text", classText, "héllo", "héllo"},
		{"text from blob", classText, []byte("abc"), "abc"},
		{"text from integer", classText, int64(42), "42"},
		{"text from a parsed DATETIME", classText, when, "2026-12-05 21:30:15.123456789+00:00"},
		{"bytea from blob", classBytes, []byte{0, 1, 2}, []byte{0, 1, 2}},
		{"integer", classInt, int64(-7), int64(-7)},
		{"integer from a whole real", classInt, float64(3), int64(3)},
		{"integer from text", classInt, " 12 ", int64(12)},
		{"integer from bool", classInt, true, int64(1)},
		{"float from integer", classFloat, int64(5), float64(5)},
		{"bool from 0", classBool, int64(0), false},
		{"bool from 1", classBool, int64(1), true},
		{"bool from text", classBool, "true", true},
		{"time as parsed", classTime, when.In(time.FixedZone("x", 3600)), when},
		{"time from driver text", classTime, "2026-12-05 21:30:15.123456789+00:00", when},
		{"time from RFC 3339", classTime, "2026-12-05T21:30:15.123456789Z", when},
		{"time from CURRENT_TIMESTAMP text", classTime, "2026-12-05 21:30:15", when.Truncate(time.Second)},
		{"time from unix seconds", classTime, when.Unix(), when.Truncate(time.Second)},
		{"json from text", classJSON, `{"a":1}`, `{"a":1}`},
		{"json from blob", classJSON, []byte(`[1]`), `[1]`},
		{"other passes through", classAny, "x", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := convert(tc.class, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			switch w := tc.want.(type) {
			case time.Time:
				g, ok := got.(time.Time)
				if !ok || !g.Equal(w) || g.Location() != time.UTC {
					t.Errorf("got %#v, want %v in UTC", got, w)
				}
			case []byte:
				if g, ok := got.([]byte); !ok || string(g) != string(w) {
					t.Errorf("got %#v, want %#v", got, w)
				}
			default:
				if got != tc.want {
					t.Errorf("got %#v (%T), want %#v (%T)", got, got, tc.want, tc.want)
				}
			}
		})
	}
}

func TestConvertRefuses(t *testing.T) {
	tests := []struct {
		name  string
		class class
		in    any
	}{
		{"bool from 2", classBool, int64(2)},
		{"integer from a fraction", classInt, 1.5},
		{"integer from words", classInt, "many"},
		{"time from words", classTime, "yesterday"},
		{"bytea from integer", classBytes, int64(1)},
		{"float from words", classFloat, "pi"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := convert(tc.class, tc.in); !errors.Is(err, errNotConvertible) {
				t.Errorf("got %#v, %v; want errNotConvertible", got, err)
			}
		})
	}
}

func TestClassOf(t *testing.T) {
	tests := []struct {
		dataType, udt string
		want          class
	}{
		{"bigint", "int8", classInt},
		{"timestamp with time zone", "timestamptz", classTime},
		{"jsonb", "jsonb", classJSON},
		{"boolean", "bool", classBool},
		{"bytea", "bytea", classBytes},
		{"USER-DEFINED", "citext", classText},
		{"ARRAY", "_int8", classAny},
	}
	for _, tc := range tests {
		t.Run(tc.dataType, func(t *testing.T) {
			if got := classOf(tc.dataType, tc.udt); got != tc.want {
				t.Errorf("classOf(%q, %q) = %d, want %d", tc.dataType, tc.udt, got, tc.want)
			}
		})
	}
}
