package apns

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestAPNsID: the in-place UUID is the name-derived one, and stable.
func TestAPNsID(t *testing.T) {
	for _, tc := range []struct{ req, tok string }{
		{"req-0123456789", strings.Repeat("ab", 32)},
		{"pdN6MUQF1x4-abcdefghijklmnopqrs", strings.Repeat("0f", 100)},
	} {
		sum := sha256.Sum256([]byte(tc.req + "\x00" + tc.tok))
		b := sum[:16]
		b[6] = b[6]&0x0f | 0x80
		b[8] = b[8]&0x3f | 0x80
		h := hex.EncodeToString(b)
		want := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
		if got := apnsID(tc.req, tc.tok); got != want {
			t.Errorf("apnsID(%q, %q) = %s, want %s", tc.req, tc.tok, got, want)
		}
	}
}
