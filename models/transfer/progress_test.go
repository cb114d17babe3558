package transfer

import (
	"strings"
	"testing"
	"time"
)

func TestThousands(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
}

// TestProgressLines: a big table reports while it copies, every few
// seconds, and once when done, with its rate.
func TestProgressLines(t *testing.T) {
	var buf strings.Builder
	clock := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	p := newProgress(&buf, "devices", 20_480, now)
	for range 20_480 {
		p.row()
	}
	p.finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "migrate: devices: 12,288 / 20,480 rows, ") {
		t.Fatalf("no progress while copying:\n%s", buf.String())
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "migrate: devices: 20,480 / 20,480 rows, ") || !strings.HasSuffix(last, " done") {
		t.Errorf("last line %q", last)
	}
}
