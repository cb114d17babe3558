package models

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// MaxCSVRecordBytes bounds one CSV record (one line, or the lines a quoted
// field spans). The longest valid device row is a few KiB; without a bound
// encoding/csv holds a record whole, so a single 100 MiB line, or a quote
// opened and never closed, would sit in memory at once.
const MaxCSVRecordBytes = 64 << 10

// csvRecordCap sits between the upload and encoding/csv. It finds record
// boundaries the way encoding/csv does (a quote opens a quoted field only
// at the start of a field; a stray quote ends the record at the end of its
// line, where csv.Reader gives up on it) and passes each record through
// unchanged, unless the record is longer than max: then it holds at most
// max bytes of it, drops the rest as it reads, and passes one empty line
// per line the record spanned. csv.Reader skips empty lines but counts
// them, so the line numbers it reports stay those of the file, and the
// dropped record's first line is queued in long for the caller to reject.
type csvRecordCap struct {
	src *bufio.Reader
	max int
	// rec is the record being read; out[off:] what is ready for the
	// caller: buf, or lines still in src's buffer (valid until the next
	// read from src, which only fill does once out is drained).
	rec, buf, out []byte
	off           int
	// line is the physical line being read (1-based); start the line the
	// current record began on; lines how many lines it has spanned.
	line, start, lines int64
	dropping           bool
	st                 csvState
	err                error
	long               []int64
}

type csvState uint8

const (
	csvFieldStart csvState = iota // before a field's first byte
	csvUnquoted                   // inside an unquoted field
	csvQuoted                     // inside a quoted field
	csvQuote                      // just after a quote inside a quoted field
	csvQuoteCR                    // just after `"\r` (a CRLF may end the record)
	csvBroken                     // a quote error: the record ends with its line
)

func newCSVRecordCap(src *bufio.Reader, max int) *csvRecordCap {
	return &csvRecordCap{src: src, max: max, line: 1, start: 1}
}

// Read implements io.Reader.
func (c *csvRecordCap) Read(p []byte) (int, error) {
	for c.off == len(c.out) {
		if c.err != nil {
			return 0, c.err
		}
		c.out, c.off = c.buf[:0], 0
		if !c.fast() {
			c.fill()
		}
	}
	n := copy(p, c.out[c.off:])
	c.off += n
	return n, nil
}

// takeLong returns the first lines of the records dropped so far that
// began before line, oldest first, and forgets them.
func (c *csvRecordCap) takeLong(before int64) []int64 {
	i := 0
	for i < len(c.long) && c.long[i] < before {
		i++
	}
	got := c.long[:i:i]
	c.long = c.long[i:]
	return got
}

// fast hands over, without copying or looking at each byte, the complete
// lines buffered in src when no record is open and they hold no quote:
// each is then a record of its own (unquoted fields end at the newline),
// no longer than src's buffer, which is at most max. It reports whether
// it did.
func (c *csvRecordCap) fast() bool {
	if c.dropping || len(c.rec) > 0 || c.st != csvFieldStart || c.src.Size() > c.max {
		return false
	}
	n := c.src.Buffered()
	if n == 0 {
		// Fill the buffer; an error (EOF) is left for fill to meet.
		if _, err := c.src.Peek(1); err != nil {
			return false
		}
		n = c.src.Buffered()
	}
	chunk, err := c.src.Peek(n)
	if err != nil {
		return false
	}
	end := bytes.LastIndexByte(chunk, '\n')
	if end < 0 || bytes.IndexByte(chunk[:end+1], '"') >= 0 {
		return false
	}
	c.out = chunk[:end+1]
	c.line += int64(bytes.Count(c.out, []byte{'\n'}))
	c.start = c.line
	if _, err := c.src.Discard(end + 1); err != nil {
		c.err = err // unreachable: the bytes are buffered
	}
	return true
}

// fill reads one piece of a physical line (at most the source's buffer)
// and moves the records it completes to out.
func (c *csvRecordCap) fill() {
	seg, err := c.src.ReadSlice('\n')
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		c.err = err
	}
	from := 0
	for i, b := range seg {
		end := c.step(b)
		if b == '\n' {
			c.line++
		}
		if end {
			c.keep(seg[from : i+1])
			c.endRecord()
			from = i + 1
		}
	}
	c.keep(seg[from:])
	if c.err != nil && (len(c.rec) > 0 || c.dropping) {
		c.endRecord()
	}
}

// step advances the state over b and reports whether b ends the record.
func (c *csvRecordCap) step(b byte) bool {
	if b == '\n' {
		c.lines++
		return c.st != csvQuoted
	}
	switch c.st {
	case csvFieldStart:
		switch b {
		case '"':
			c.st = csvQuoted
		case ',':
		default:
			c.st = csvUnquoted
		}
	case csvUnquoted:
		switch b {
		case ',':
			c.st = csvFieldStart
		case '"':
			c.st = csvBroken
		}
	case csvQuoted:
		if b == '"' {
			c.st = csvQuote
		}
	case csvQuote:
		switch b {
		case '"':
			c.st = csvQuoted
		case ',':
			c.st = csvFieldStart
		case '\r':
			c.st = csvQuoteCR
		default:
			c.st = csvBroken
		}
	case csvQuoteCR:
		c.st = csvBroken
	}
	return false
}

// keep adds part of the current record, or drops it once the record is
// over max.
func (c *csvRecordCap) keep(b []byte) {
	if len(b) == 0 || c.dropping {
		return
	}
	if len(c.rec)+len(b) > c.max {
		c.dropping, c.rec = true, c.rec[:0]
		return
	}
	c.rec = append(c.rec, b...)
}

// endRecord hands the finished record over (or, for a dropped one, an
// empty line for each line it spanned) and starts the next record on the
// current line.
func (c *csvRecordCap) endRecord() {
	if c.dropping {
		c.long = append(c.long, c.start)
		for range max(c.lines, 1) {
			c.out = append(c.out, '\n')
		}
	} else {
		c.out = append(c.out, c.rec...)
	}
	c.buf = c.out[:0]
	c.rec, c.dropping, c.st, c.lines, c.start = c.rec[:0], false, csvFieldStart, 0, c.line
}

var _ io.Reader = (*csvRecordCap)(nil)
