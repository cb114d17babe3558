package apns

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/pushdeck/pushdeck/providers"
)

// MaxPayload is APNs' limit on a notification's JSON body (413
// PayloadTooLarge past it).
const MaxPayload = 4096

// maxTextBytes is the declared limit of a title or body: the whole payload
// is what APNs limits, so a single text may use nearly all of it; the
// payload check below refuses the sum.
const maxTextBytes = MaxPayload - 96

// Custom top-level keys the client writes beside "aps" for what the
// message model carries and APNs has no key for: a click's URL or app
// payload, and a transmission's body.
const (
	keyURL     = "url"
	keyPayload = "payload"
)

// aps is Apple's dictionary. The ints are 0 or 1: APNs reads
// content-available and mutable-content as flags that must be 1.
type aps struct {
	Alert             *alert `json:"alert,omitempty"`
	Badge             *int   `json:"badge,omitempty"`
	Sound             string `json:"sound,omitempty"`
	ThreadID          string `json:"thread-id,omitempty"`
	Category          string `json:"category,omitempty"`
	ContentAvailable  int    `json:"content-available,omitempty"`
	MutableContent    int    `json:"mutable-content,omitempty"`
	InterruptionLevel string `json:"interruption-level,omitempty"`
	TargetContentID   string `json:"target-content-id,omitempty"`
}

type alert struct {
	Title    string `json:"title,omitempty"`
	Subtitle string `json:"subtitle,omitempty"`
	Body     string `json:"body,omitempty"`
}

// background reports whether the message is a silent push: pushdeck's
// transmission type, or a notification asking only to wake the app.
func background(m providers.Message) bool {
	return m.Type == providers.TypeTransmission
}

// buildPayload encodes the notification body, the same for every
// recipient of a message. The problem names the field a too-large or
// unusable payload is blamed on, so the composer can point at it.
func buildPayload(m providers.Message) ([]byte, *providers.Problem) {
	top := map[string]json.RawMessage{}
	if ext := bytes.TrimSpace(m.Ext); len(ext) > 0 && !bytes.Equal(ext, []byte("null")) {
		if err := json.Unmarshal(ext, &top); err != nil {
			return nil, &providers.Problem{Field: providers.FieldExt, MsgID: "apns.err.ext_object"}
		}
		if _, ok := top["aps"]; ok {
			return nil, &providers.Problem{Field: providers.FieldExt, MsgID: "apns.err.ext_aps"}
		}
	}
	a := aps{
		ThreadID:          m.IOS.ThreadID,
		Category:          m.Options.String(OptCategory),
		InterruptionLevel: m.Options.String(OptInterruptionLevel),
		TargetContentID:   m.Options.String(OptTargetContentID),
	}
	own := map[string]string{}
	if background(m) {
		// A background push carries no alert, sound or badge: APNs
		// drops or throttles one that does.
		a.ContentAvailable = 1
		own[keyPayload] = m.Body
	} else {
		a.Alert = &alert{Title: m.Title, Subtitle: m.IOS.Subtitle, Body: m.Body}
		a.Badge = m.Badge
		a.Sound = m.Sound
		if m.IOS.Sound != "" {
			a.Sound = m.IOS.Sound
		}
		if m.IOS.ContentAvailable {
			a.ContentAvailable = 1
		}
		if m.IOS.MutableContent {
			a.MutableContent = 1
		}
		switch m.Click.Action {
		case providers.ClickURL:
			own[keyURL] = m.Click.URL
		case providers.ClickPayload:
			own[keyPayload] = m.Click.Payload
		}
	}
	for k, v := range own {
		if v == "" {
			continue
		}
		if _, ok := top[k]; ok {
			return nil, &providers.Problem{Field: providers.FieldExt, MsgID: "apns.err.ext_reserved", Args: map[string]any{"Key": k}}
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, &providers.Problem{Field: "message.body", MsgID: "err.not_string"}
		}
		top[k] = raw
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, &providers.Problem{Field: "message", MsgID: "apns.err.payload"}
	}
	top["aps"] = raw
	body, err := json.Marshal(top) // map keys sorted: the same message always encodes the same
	if err != nil {
		return nil, &providers.Problem{Field: "message", MsgID: "apns.err.payload"}
	}
	if len(body) > MaxPayload {
		return nil, &providers.Problem{Field: blame(m), MsgID: "apns.err.payload_too_large",
			Args: map[string]any{"Size": len(body), "Max": MaxPayload}}
	}
	return body, nil
}

// blame names the field that takes the most room in an oversized payload.
func blame(m providers.Message) string {
	sizes := []struct {
		field string
		n     int
	}{{"message.body", len(m.Body)}, {"message.title", len(m.Title)}, {providers.FieldExt, len(m.Ext)},
		{"message.ios.subtitle", len(m.IOS.Subtitle)}}
	most := sizes[0]
	for _, s := range sizes[1:] {
		if s.n > most.n {
			most = s
		}
	}
	return most.field
}

// checkMessage is Capabilities.Check: what APNs would refuse about a
// draft, found before anything is stored.
func checkMessage(m providers.Message) []providers.Problem {
	var out []providers.Problem
	if m.Click.Action == providers.ClickIntent {
		out = append(out, providers.Problem{Field: "message.click.action", MsgID: "apns.err.no_intent"})
	}
	if len(m.IOS.CollapseID) > maxCollapseID {
		out = append(out, providers.Problem{Field: "message.ios.collapse_id", MsgID: "err.too_long_bytes",
			Args: map[string]any{"Max": maxCollapseID}})
	}
	if _, p := buildPayload(m); p != nil {
		out = append(out, *p)
	}
	return out
}

// payloadError is a Send-time refusal of a message the draft checks
// should have caught (a message stored before they existed).
func payloadError(p *providers.Problem) *providers.Error {
	code := "BadMessage"
	if p.MsgID == "apns.err.payload_too_large" {
		code = "PayloadTooLarge"
	}
	return &providers.Error{Class: providers.Permanent, Code: code,
		Msg: fmt.Sprintf("%s: %s %v (refused before sending)", p.Field, p.MsgID, p.Args)}
}
