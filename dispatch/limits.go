package dispatch

import "github.com/pushdeck/pushdeck/providers"

// FieldLimit is the longest value a text field may hold, counted in runes
// or, where the provider counts bytes (WeCom), in bytes.
type FieldLimit struct {
	Max   int  `json:"max"`
	Bytes bool `json:"bytes,omitempty"`
}

// TextLimits returns the limits a draft's name, title, body and big text
// are validated against for an account of kind and a message of type t,
// keyed by the composer's field names, so the composer can count as the
// operator types against exactly what ValidateDraft will check. A field
// the type does not use is absent.
func TextLimits(kind string, t providers.MessageType) map[string]FieldLimit {
	out := map[string]FieldLimit{"name": {Max: MaxNameRunes}}
	k := providers.Kind(kind)
	if k == providers.KindWeCom {
		switch t {
		case providers.TypeText, providers.TypeMarkdown:
			out["body"] = FieldLimit{Max: weComMaxContent, Bytes: true}
		case providers.TypeTextCard:
			out["title"] = FieldLimit{Max: weComMaxTitle, Bytes: true}
			out["body"] = FieldLimit{Max: weComMaxDescription, Bytes: true}
		}
		return out
	}
	lim, ok := textLimits[k]
	if !ok {
		lim = textLimits[providers.KindMXPush]
	}
	out["title"] = FieldLimit{Max: lim.title}
	out["body"] = FieldLimit{Max: lim.body}
	if t == providers.TypeTransmission {
		out["body"] = FieldLimit{Max: lim.transmission}
	}
	out["big_text"] = FieldLimit{Max: lim.bigText}
	return out
}
