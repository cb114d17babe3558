package transfer

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// progressEvery is how often a table still copying reports.
const progressEvery = 3 * time.Second

// progress writes a table's progress lines: one when it is done, and one
// every few seconds while a big table is copying.
type progress struct {
	w       io.Writer
	table   string
	total   int64
	done    int64
	started time.Time
	last    time.Time
	now     func() time.Time
}

func newProgress(w io.Writer, table string, total int64, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, table: table, total: total, started: t, last: t, now: now}
}

// row counts one copied row; the clock is read once every 4,096 rows so
// counting costs nothing next to the copy.
func (p *progress) row() {
	p.done++
	if p.done&4095 != 0 {
		return
	}
	if t := p.now(); t.Sub(p.last) >= progressEvery {
		p.last = t
		p.line("")
	}
}

// finish writes the table's last line.
func (p *progress) finish() { p.line(" done") }

func (p *progress) line(suffix string) {
	secs := p.now().Sub(p.started).Seconds()
	rate := ""
	if secs > 0 && p.done > 0 {
		rate = ", " + thousands(int64(float64(p.done)/secs)) + " rows/s"
	}
	// A progress line lost to a closed terminal must not fail the copy.
	_, _ = fmt.Fprintf(p.w, "migrate: %s: %s / %s rows%s (%.1fs)%s\n", p.table, thousands(p.done), thousands(p.total), rate, secs, suffix)
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
