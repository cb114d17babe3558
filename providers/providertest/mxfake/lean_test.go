package mxfake

import (
	"reflect"
	"strings"
	"testing"
)

// TestQuickNotify: the lean fake's quick reading accepts only bodies the
// strict decoder reads the same way, and leaves every other one to it.
func TestQuickNotify(t *testing.T) {
	const msg = `"message":{"type":"text","title":"Hi n00000001","body":"A text of your own","badge":"+0"}}`
	tokens := make([]string, MaxTargets+1)
	for i := range tokens {
		tokens[i] = `"t` + strings.Repeat("x", i%7) + `"`
	}
	tests := []struct {
		name  string
		body  string
		quick bool
	}{
		{"one token", `{"audience":{"push_token":["token-00000001"]},"setting":{"request_id":"abcdefghij01"},` + msg, true},
		{"aliases", `{"audience":{"alias":["a","b"]},"setting":{"request_id":"abcdefghij01"},` + msg, true},
		{"no badge", `{"audience":{"alias":["a"]},"setting":{"request_id":"abcdefghij01"},"message":{"type":"text","title":"Grüße"}}`, true},
		{"the longest list", `{"audience":{"push_token":[` + strings.Join(tokens[:MaxTargets], ",") + `]},"setting":{"request_id":"abcdefghij01"},` + msg, true},
		{"one too many", `{"audience":{"push_token":[` + strings.Join(tokens, ",") + `]},"setting":{"request_id":"abcdefghij01"},` + msg, false},
		{"escaped text", `{"audience":{"alias":["a"]},"setting":{"request_id":"abcdefghij01"},"message":{"type":"text","title":"say \"hi\""}}`, false},
		{"empty value", `{"audience":{"alias":[""]},"setting":{"request_id":"abcdefghij01"},` + msg, false},
		{"unknown field", `{"audience":{"alias":["a"]},"setting":{"request_id":"abcdefghij01"},"message":{"type":"text","colour":"red"}}`, false},
		{"spaces", `{"audience": {"alias":["a"]},"setting":{"request_id":"abcdefghij01"},` + msg, false},
		{"trailing data", `{"audience":{"alias":["a"]},"setting":{"request_id":"abcdefghij01"},` + msg + `{}`, false},
		{"user ids", `{"audience":{"user_id":[1]},"setting":{"request_id":"abcdefghij01"},` + msg, false},
		{"invalid UTF-8", `{"audience":{"alias":["a"]},"setting":{"request_id":"abcdefghij01"},"message":{"type":"text","title":"` + "\xff" + `"}}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, aud, ok := quickNotify([]byte(tc.body))
			if ok != tc.quick {
				t.Fatalf("quick = %v, want %v", ok, tc.quick)
			}
			if !ok {
				return
			}
			var want NotifyRequest
			if err := decodeStrict([]byte(tc.body), &want); err != nil {
				t.Fatalf("strict decoder refuses what the quick reading took: %v", err)
			}
			wantAud, err := checkAudience(want.Audience)
			if err != nil {
				t.Fatalf("strict audience check refuses what the quick reading took: %v", err)
			}
			if !reflect.DeepEqual(req, want) || !reflect.DeepEqual(aud, wantAud) {
				t.Errorf("quick reading %+v %+v %+v\nstrict %+v %+v %+v", req, *req.Message, aud, want, *want.Message, wantAud)
			}
		})
	}
}
