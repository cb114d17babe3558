package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attribute limits: a device carries at most MaxDeviceAttrs attributes,
// each named by 1–MaxAttrNameLen bytes of [A-Za-z0-9_], with a value of at
// most MaxAttrValueLen bytes.
const (
	MaxDeviceAttrs  = 32
	MaxAttrNameLen  = 64
	MaxAttrValueLen = 256
)

// reservedAttrNames are the device's fixed fields (and the CSV columns):
// an attribute may not take one of these names, in any letter case, so a
// CSV header and a condition's field always mean one thing.
var reservedAttrNames = []string{"id", "provider_id", "cid", "alias", "user_id", "platform", "vendor", "region", "tags", "tag",
	"opted_out", "invalid_at", "invalid_reason", "created_at", "updated_at", "last_seen_at", "attributes", "timezone"}

// Attributes are a device's free name → value pairs. Values are text:
// a number given in JSON is kept as its text ("12.50" stays "12.50"), and
// segment conditions compare numerically only values that read as a JSON
// number. The devices.attributes column holds them as a JSON object with
// sorted keys (encodeAttrs).
type Attributes map[string]string

// Value implements driver.Valuer.
func (a Attributes) Value() (driver.Value, error) { return encodeAttrs(a), nil }

// Scan implements sql.Scanner; it always leaves a non-nil map, so a device
// without attributes answers {} in JSON.
func (a *Attributes) Scan(src any) error {
	var raw []byte
	switch v := src.(type) {
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	case nil:
	default:
		return fmt.Errorf("models: attributes: unexpected %T", src)
	}
	m := Attributes{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("models: attributes: %w", err)
		}
	}
	*a = m
	return nil
}

// GormDataType names the column type for GORM.
func (Attributes) GormDataType() string { return "text" }

// encodeAttrs is the stored form: a JSON object, keys sorted, "{}" for none.
func encodeAttrs(a Attributes) string {
	if len(a) == 0 {
		return "{}"
	}
	keys := slices.Sorted(maps.Keys(a))
	b := make([]byte, 0, 16*len(a)+2)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, a[k])
	}
	return string(append(b, '}'))
}

// validAttrName reports whether name is 1–64 bytes of [A-Za-z0-9_].
func validAttrName(name string) bool {
	if name == "" || len(name) > MaxAttrNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// checkAttrName adds the problem with an attribute name to v under field.
func checkAttrName(v *ValidationError, field, name string) bool {
	switch {
	case !validAttrName(name):
		v.Add(field, "err.attr_name", map[string]any{"Name": clip(strings.ToValidUTF8(name, "?"), 64), "Max": MaxAttrNameLen, "Count": MaxAttrNameLen})
	case slices.Contains(reservedAttrNames, strings.ToLower(name)):
		v.Add(field, "err.attr_name_reserved", map[string]any{"Name": name})
	default:
		return true
	}
	return false
}

// normalizeAttrs trims the values and drops the empty ones: an empty
// value means the device has no value for that name.
func normalizeAttrs(a Attributes) {
	for k, x := range a {
		x = strings.TrimSpace(x)
		if x == "" {
			delete(a, k)
		} else {
			a[k] = x
		}
	}
}

// validateAttrs checks a normalized set against the limits, reporting the
// first problem (in name order) under prefix+"attributes".
func validateAttrs(v *ValidationError, prefix string, a Attributes) {
	field := prefix + "attributes"
	if len(a) > MaxDeviceAttrs {
		v.Add(field, "err.attr_too_many", map[string]any{"Max": MaxDeviceAttrs, "Count": MaxDeviceAttrs})
		return
	}
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if !checkAttrName(v, field, k) {
			return
		}
		if !checkAttrValue(v, field, k, a[k]) {
			return
		}
	}
}

// checkAttrValue adds the problem with attribute name's value to v under
// field, naming the attribute: the form and the CSV report the whole set
// under one field, so the message must say which value is at fault.
func checkAttrValue(v *ValidationError, field, name, value string) bool {
	switch {
	case !utf8.ValidString(value):
		v.Add(field, "err.attr_value_utf8", map[string]any{"Name": name})
	case len(value) > MaxAttrValueLen:
		v.Add(field, "err.attr_value_too_long", map[string]any{"Name": name, "Max": MaxAttrValueLen, "Count": MaxAttrValueLen})
	case strings.IndexFunc(value, unicode.IsControl) >= 0:
		v.Add(field, "err.attr_value_control", map[string]any{"Name": name})
	default:
		return true
	}
	return false
}
