package fcmfake

import (
	"bytes"
	"sync"
)

// A campaign sends one message to many tokens: the bodies differ only in
// the token, which FCM's clients write first. Decoding each body again is
// most of the fake's work, so a body of that shape is decoded once per
// distinct rest and its message reused with the token set. The reuse is
// exact, not an approximation of the strict decode: see parsed.

// bodyHead is how a body whose message starts with its token opens.
const bodyHead = `{"message":{"token":"`

// maxParsed bounds the remembered messages; past it they are forgotten.
const maxParsed = 256

// parseCache maps the rest of a body after its token's closing quote to
// the body decoded (with no violation) with an empty token.
type parseCache struct {
	mu sync.Mutex
	m  map[string]sendBody
}

// parsed decodes a body as decode does, and validates its message.
//
// A body bodyHead + tok + rest, tok printable ASCII without quote or
// backslash (a JSON string written as is), decodes to what bodyHead + rest
// decodes to with Token = tok, provided no later "token" key of the
// message replaces the first: that is checked once, when the rest is
// first seen, by decoding both the body and the token-less body and
// requiring Token to be tok in the one and empty in the other. Only
// bodies that decoded and validated with a non-empty token are
// remembered, and the verdict with them: validate reads the token only
// for whether there is one (its form is tokenCode's to judge, on every
// request), so every other non-empty token gets the same verdict.
func (c *parseCache) parsed(body []byte) (sendBody, *violation) {
	tok, rest, ok := splitToken(body)
	if !ok || tok == "" || len(body) > maxRequestBytes {
		return decodeValid(body)
	}
	c.mu.Lock()
	sb, hit := c.m[string(rest)]
	c.mu.Unlock()
	if hit {
		m := *sb.Message // the remembered message's maps are only read
		m.Token = tok
		sb.Message = &m
		return sb, nil
	}
	sb, v := decodeValid(body)
	if v != nil || sb.Message.Token != tok {
		return sb, v
	}
	bare := make([]byte, 0, len(bodyHead)+len(rest))
	bare = append(append(bare, bodyHead...), rest...)
	if empty, v := decode(bare); v == nil && empty.Message.Token == "" {
		c.mu.Lock()
		if c.m == nil || len(c.m) >= maxParsed {
			c.m = map[string]sendBody{}
		}
		c.m[string(rest)] = empty
		c.mu.Unlock()
	}
	return sb, nil
}

// decodeValid is decode then validate.
func decodeValid(body []byte) (sendBody, *violation) {
	sb, v := decode(body)
	if v == nil {
		v = validate(sb.Message)
	}
	return sb, v
}

// splitToken returns the token and what follows its closing quote when
// body starts with bodyHead and the token needs no JSON escaping.
func splitToken(body []byte) (string, []byte, bool) {
	after, ok := bytes.CutPrefix(body, []byte(bodyHead))
	if !ok {
		return "", nil, false
	}
	for i, c := range after {
		switch {
		case c == '"':
			return string(after[:i]), after[i:], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", nil, false
		}
	}
	return "", nil, false
}
