package models

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// decodeStringList decodes a JSON array of strings, as SQLite's
// json_group_array and the engine's recipient lists write them. Cids almost
// never need escaping, so the common case is cut out of the text directly
// (the result's strings share its memory); any escape, or anything that is
// not a plain array of strings, goes through encoding/json. On the engine's
// hot path this was a third of the cost of reading a page of recipients.
func decodeStringList(text string) ([]string, error) {
	if strings.IndexByte(text, '\\') >= 0 || !utf8.ValidString(text) {
		return slowStringList(text)
	}
	s := strings.TrimSpace(text)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return slowStringList(text)
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	if s == "" {
		return []string{}, nil
	}
	out := make([]string, 0, strings.Count(s, ",")+1)
	for {
		if len(s) == 0 || s[0] != '"' {
			return slowStringList(text)
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return slowStringList(text)
		}
		v := s[1 : 1+end]
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 { // control characters must be escaped in JSON
				return slowStringList(text)
			}
		}
		out = append(out, v)
		s = strings.TrimLeft(s[2+end:], " \t\r\n")
		if s == "" {
			return out, nil
		}
		if s[0] != ',' {
			return slowStringList(text)
		}
		s = strings.TrimLeft(s[1:], " \t\r\n")
	}
}

func slowStringList(text string) ([]string, error) {
	var out []string
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		return nil, fmt.Errorf("models: decode string list: %w", err)
	}
	if out == nil {
		return nil, fmt.Errorf("models: decode string list: not an array")
	}
	return out, nil
}
