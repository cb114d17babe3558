package mxfake

import (
	"bytes"
	"unicode/utf8"
)

// quickNotify reads, without reflection, the one body shape a benchmark
// sends a million times: a push_token or alias list of 1 to MaxTargets
// values, a request_id, and a message of type with title, body and badge
// (each optional, in that order), compact, with no escape in any string.
// Whatever it accepts, the strict decoder accepts with the same result; any
// other body (spacing, order, escapes, another field or a list the server
// refuses) is left to the strict decoder and its answers.
func quickNotify(b []byte) (NotifyRequest, parsedAudience, bool) {
	var (
		req NotifyRequest
		aud parsedAudience
		p   = quickParser{b: b}
	)
	if !p.lit(`{"audience":{"`) {
		return req, aud, false
	}
	audStart := p.i - 2
	switch {
	case p.lit(`push_token":[`):
		aud.kind = "push_token"
	case p.lit(`alias":[`):
		aud.kind = "alias"
	default:
		return req, aud, false
	}
	for {
		v, ok := p.str()
		if !ok || v == "" || len(aud.values) == MaxTargets {
			return req, aud, false
		}
		aud.values = append(aud.values, v)
		if p.lit(`]}`) {
			break
		}
		if !p.lit(`,`) {
			return req, aud, false
		}
	}
	req.Audience = b[audStart:p.i]
	if !p.lit(`,"setting":{"request_id":`) {
		return req, aud, false
	}
	rid, ok := p.str()
	if !ok || !p.lit(`},"message":{"type":`) {
		return req, aud, false
	}
	req.Setting = &Setting{RequestID: rid}
	m := &Message{}
	if m.Type, ok = p.str(); !ok {
		return req, aud, false
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{`,"title":`, &m.Title}, {`,"body":`, &m.Body}, {`,"badge":`, &m.Badge}} {
		if p.lit(f.key) {
			if *f.dst, ok = p.str(); !ok {
				return req, aud, false
			}
		}
	}
	if !p.lit(`}}`) || p.i != len(b) {
		return req, aud, false
	}
	req.Message = m
	return req, aud, true
}

// quickParser walks a body for quickNotify.
type quickParser struct {
	b []byte
	i int
}

// lit consumes s when the body continues with it.
func (p *quickParser) lit(s string) bool {
	if !bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		return false
	}
	p.i += len(s)
	return true
}

// str consumes a JSON string without escapes or control characters, in
// valid UTF-8: its text is then exactly its bytes.
func (p *quickParser) str() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	end := bytes.IndexByte(p.b[p.i+1:], '"')
	if end < 0 {
		return "", false
	}
	raw := p.b[p.i+1 : p.i+1+end]
	for _, c := range raw {
		if c < 0x20 || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(raw) {
		return "", false
	}
	p.i += end + 2
	return string(raw), true
}
