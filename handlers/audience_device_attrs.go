package handlers

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/pages/audience"
)

// attrRows lists a device's attributes in name order for its page.
func attrRows(a models.Attributes) []audience.AttrRow {
	out := make([]audience.AttrRow, 0, len(a))
	for _, k := range slices.Sorted(maps.Keys(a)) {
		out = append(out, audience.AttrRow{Name: k, Value: a[k]})
	}
	return out
}

// attrLines writes a device's attributes as the form's name=value lines.
func attrLines(a models.Attributes) string {
	var sb strings.Builder
	for _, r := range attrRows(a) {
		sb.WriteString(r.Name + "=" + r.Value + "\n")
	}
	return sb.String()
}

// parseAttrLines reads the form's name=value lines (blank lines skipped,
// the first "=" splits); the set replaces the device's. A line without
// "=" is reported by its number under "attributes".
func parseAttrLines(s string) (models.Attributes, *models.ValidationError) {
	out := models.Attributes{}
	v := &models.ValidationError{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			v.Add("attributes", "err.attr_line", map[string]any{"Line": i + 1})
			return nil, v
		}
		out[strings.TrimSpace(name)] = value
	}
	return out, nil
}

// apiAttributes turns the API's "attributes" object into a device's set:
// a string is kept, a number is kept as its text, null is "no value";
// anything else is reported at "[i].attributes.<name>" in bad.
func apiAttributes(raw *map[string]json.RawMessage, prefix string, bad *models.ValidationError) *models.Attributes {
	if raw == nil {
		return nil
	}
	out := make(models.Attributes, len(*raw))
	for k, r := range *raw {
		var str string
		var num json.Number
		switch {
		case string(r) == "null":
		case json.Unmarshal(r, &str) == nil:
			out[k] = str
		case json.Unmarshal(r, &num) == nil:
			out[k] = num.String()
		default:
			bad.Add(prefix+"attributes."+k, "err.attr_value_type", map[string]any{"Name": k})
		}
	}
	return &out
}
