package draft

import "github.com/pushdeck/pushdeck/providers"

// FieldLimit is the longest value a text field may hold, counted in runes
// or, where the provider counts bytes (WeCom), in bytes.
type FieldLimit struct {
	Max   int  `json:"max"`
	Bytes bool `json:"bytes,omitempty"`
}

// TextLimits returns the limits a draft's name, title, body and big text
// are validated against for an account with caps and a message of type t,
// keyed by the composer's field names, so the composer can count as the
// operator types against exactly what Draft.Validate checks. A field
// the type does not use is absent.
func TextLimits(caps providers.Capabilities, t providers.MessageType) map[string]FieldLimit {
	out := map[string]FieldLimit{"name": {Max: MaxNameRunes}}
	lim := caps.TextLimits[t]
	for field, max := range map[string]int{"title": lim.Title, "body": lim.Body, "big_text": lim.BigText} {
		if max > 0 {
			out[field] = FieldLimit{Max: max, Bytes: lim.Bytes}
		}
	}
	return out
}
