package transfer

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// class is how a PostgreSQL column wants its values from Go: SQLite keeps
// a value in whichever of its five storage classes it arrived in (a time as
// text or a Unix number, a boolean as 0/1, JSON as text), so each target
// column gets one converter chosen from its declared type, once per table.
type class int

const (
	classAny class = iota // handed to pgx as read
	classText
	classBytes
	classInt
	classFloat
	classBool
	classTime
	classJSON
)

// classOf maps information_schema's data_type (udt_name for user-defined
// types such as citext) to a class.
func classOf(dataType, udtName string) class {
	switch dataType {
	case "text", "character varying", "character", "name":
		return classText
	case "bytea":
		return classBytes
	case "smallint", "integer", "bigint":
		return classInt
	case "real", "double precision", "numeric":
		return classFloat
	case "boolean":
		return classBool
	case "timestamp with time zone", "timestamp without time zone", "date":
		return classTime
	case "json", "jsonb":
		return classJSON
	case "USER-DEFINED":
		if udtName == "citext" {
			return classText
		}
	}
	return classAny
}

// errNotConvertible is wrapped with the value's Go type and the target's.
var errNotConvertible = errors.New("cannot be converted")

// convert turns one value read from SQLite (int64, float64, string,
// []byte, time.Time, bool or nil, as mattn returns them) into the Go value
// pgx encodes for the class. NULL stays NULL: NOT NULL is PostgreSQL's to
// enforce, with its own message.
func convert(c class, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c {
	case classText:
		return toText(v)
	case classBytes:
		return toBytes(v)
	case classInt:
		return toInt(v)
	case classFloat:
		return toFloat(v)
	case classBool:
		return toBool(v)
	case classTime:
		return toTime(v)
	case classJSON:
		return toJSON(v)
	}
	return v, nil
}

func notConvertible(v any, to string) error {
	return fmt.Errorf("%T %s to %s: %w", v, short(v), to, errNotConvertible)
}

// short shows a bad value in an error without flooding the terminal (a
// value can be a megabyte of JSON).
func short(v any) string {
	s := fmt.Sprintf("%q", fmt.Sprint(v))
	if len(s) > 60 {
		return s[:57] + "…\""
	}
	return s
}

func toText(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		// mattn parsed it because the SQLite column is declared DATETIME;
		// written back in the layout the Go driver stored it in.
		return x.UTC().Format(sqlite3.SQLiteTimestampFormats[0]), nil
	}
	return nil, notConvertible(v, "text")
}

func toBytes(v any) (any, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case string:
		return []byte(x), nil
	}
	return nil, notConvertible(v, "bytea")
}

func toInt(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), nil
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, nil
		}
	case time.Time:
		// A DATETIME-declared SQLite column that PostgreSQL keeps as a
		// number holds Unix seconds.
		return x.Unix(), nil
	}
	return nil, notConvertible(v, "integer")
}

func toFloat(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, nil
		}
	}
	return nil, notConvertible(v, "a floating-point number")
}

func toBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case float64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "0", "false", "f":
			return false, nil
		case "1", "true", "t":
			return true, nil
		}
	}
	return nil, notConvertible(v, "boolean")
}

func toTime(v any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case int64:
		return time.Unix(x, 0).UTC(), nil
	case string, []byte:
		s := strings.TrimSpace(fmt.Sprintf("%s", x))
		s = strings.TrimSuffix(s, "Z")
		for _, layout := range sqlite3.SQLiteTimestampFormats {
			if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
				return t.UTC(), nil
			}
		}
		if t, err := time.Parse(time.RFC3339Nano, fmt.Sprintf("%s", x)); err == nil {
			return t.UTC(), nil
		}
	}
	return nil, notConvertible(v, "a timestamp")
}

func toJSON(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case int64, float64:
		return toText(x)
	}
	return nil, notConvertible(v, "JSON")
}
