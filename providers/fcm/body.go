package fcm

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// bodyTemplate is a batch's messages:send body with the token left out:
// every token of a batch gets the same message, so it is encoded once and
// each request's body is the template with the token spliced in, the same
// bytes json.Marshal would write for the message with its token set.
type bodyTemplate struct {
	// head is `{"message":{"token":`, tail the rest of the encoded
	// message after its opening brace, preceded by a comma.
	head, tail []byte
	msg        *message
}

// bodyHead opens a body whose message starts with its token: Token is the
// message's first field, so json.Marshal writes it first.
const bodyHead = `{"message":{"token":`

func newBodyTemplate(msg *message) (*bodyTemplate, error) {
	m := *msg
	m.Token = ""
	enc, err := json.Marshal(sendRequest{Message: &m})
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	rest, ok := bytes.CutPrefix(enc, []byte(`{"message":{`))
	if !ok || len(rest) < 2 || rest[0] == '}' {
		// A message with no field but its token never happens (android and
		// apns are always set); refuse rather than splice a wrong body.
		return nil, fmt.Errorf("encode: unexpected message encoding %q", enc)
	}
	tail := make([]byte, 0, len(rest)+1)
	tail = append(append(tail, ','), rest...)
	return &bodyTemplate{head: []byte(bodyHead), tail: tail, msg: msg}, nil
}

// body returns the request body for one token.
func (t *bodyTemplate) body(tok string) ([]byte, error) {
	if !plainJSON(tok) {
		// Escaping as encoding/json does (\u003c, \u2028...) is its job.
		m := *t.msg
		m.Token = tok
		b, err := json.Marshal(sendRequest{Message: &m})
		if err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
		return b, nil
	}
	b := make([]byte, 0, len(t.head)+len(tok)+2+len(t.tail))
	b = append(b, t.head...)
	b = append(b, '"')
	b = append(b, tok...)
	b = append(b, '"')
	return append(b, t.tail...), nil
}

// plainJSON reports whether s is written into a JSON string as it is by
// encoding/json: printable ASCII without quote, backslash and the HTML
// characters it escapes. Registration tokens always are.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
