package models

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"math/bits"
	"slices"
	"strings"
)

// csvBatch is one transaction's worth of good rows and where the reader
// stands: rows and bytes read, rejections so far, or the error that ended
// the read.
type csvBatch struct {
	rows          []DeviceInput
	read, bytes   int64
	rejected      []Rejection
	rejectedTotal int64
	err           error
}

// readAll sends batches of n good rows until the end of the file, an
// error, or ctx's end, then closes out.
func (im *csvImport) readAll(ctx context.Context, n int, out chan<- csvBatch) {
	defer close(out)
	for {
		rows, done, err := im.next(n)
		b := csvBatch{rows: rows, read: im.rows, bytes: im.counter.n, rejected: slices.Clone(im.res.Rejected),
			rejectedTotal: im.res.RejectedTotal, err: err}
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
		if done || err != nil {
			return
		}
	}
}

// csvImport reads and validates rows; it holds at most one transaction's
// worth of rows, plus a 12-byte-per-row set of seen cids to refuse a cid
// repeated in the same file.
type csvImport struct {
	counter *countingReader
	capped  *csvRecordCap
	cr      *csv.Reader
	// col maps a column index to its name; attr marks the attribute
	// columns (any column that is not a fixed field), of which there are
	// attrs. attrCols lists them in name order, the order of the stored
	// form, which attrBuf is reused to build.
	col      []string
	attr     []bool
	attrs    int
	attrCols []int
	attrBuf  []byte
	rows     int64
	seen     cidSet
	res      ImportResult
	limit    int
}

func newCSVImport(r io.Reader, opt ImportOptions) (*csvImport, error) {
	counter := &countingReader{r: r}
	br := bufio.NewReaderSize(counter, 64<<10)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		if _, err := br.Discard(3); err != nil {
			return nil, fmt.Errorf("models: import devices: %w", err)
		}
	}
	capped := newCSVRecordCap(br, MaxCSVRecordBytes)
	cr := csv.NewReader(capped)
	cr.ReuseRecord = true
	im := &csvImport{counter: counter, capped: capped, cr: cr, seen: newCIDSet(), limit: opt.MaxRejections}
	header, err := cr.Read()
	v := &ValidationError{}
	headerLine := int64(math.MaxInt64)
	if err == nil {
		l, _ := cr.FieldPos(0)
		headerLine = int64(l)
	}
	if len(capped.takeLong(headerLine)) > 0 {
		v.Add("header", "err.csv_record_too_long", map[string]any{"Max": MaxCSVRecordBytes >> 10})
		return nil, v
	}
	if errors.Is(err, io.EOF) {
		v.Add("header", "err.csv_empty", nil)
		return nil, v
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		v.Add("header", "err.csv_syntax", map[string]any{"Line": pe.StartLine})
		return nil, v
	}
	if err != nil {
		return nil, fmt.Errorf("models: import devices: read header: %w", err)
	}
	im.readHeader(v, header)
	if !slices.Contains(im.col, "cid") {
		v.Add("header", "err.csv_no_cid", nil)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	cr.FieldsPerRecord = len(header)
	return im, nil
}

// next reads up to n good rows. done is set at the end of the file.
func (im *csvImport) next(n int) (rows []DeviceInput, done bool, err error) {
	rows = make([]DeviceInput, 0, min(n, 1024))
	for len(rows) < n {
		rec, err := im.cr.Read()
		if errors.Is(err, io.EOF) {
			im.rejectLong(math.MaxInt64)
			return rows, true, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			im.rejectLong(int64(pe.StartLine))
			im.rows++
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				im.reject(int64(pe.StartLine), "", "err.csv_columns", map[string]any{"Got": len(rec), "Want": len(im.col)})
			} else {
				im.reject(int64(pe.StartLine), "", "err.csv_syntax", map[string]any{"Line": pe.Line})
			}
			continue
		}
		if err != nil {
			return rows, false, fmt.Errorf("models: import devices: read after row %d: %w", im.rows, err)
		}
		line, _ := im.cr.FieldPos(0)
		im.rejectLong(int64(line))
		im.rows++
		in, ok := im.parse(int64(line), rec)
		if ok {
			rows = append(rows, in)
		}
	}
	// The writer wants cid order; sorting here, on the reader's goroutine,
	// takes the sort off the single writer's path (its own sort then sees
	// sorted input and only checks it).
	slices.SortFunc(rows, func(a, b DeviceInput) int { return strings.Compare(a.CID, b.CID) })
	return rows, false, nil
}

// rejectOrder is the order in which a row's problems are reported (one
// reason a row, the first in contract order).
var rejectOrder = []string{"cid", "alias", "user_id", "platform", "vendor", "region", "tags", "timezone", "attributes"}

// parse turns a record into a validated input, or rejects it.
func (im *csvImport) parse(line int64, rec []string) (DeviceInput, bool) {
	// The fields are substrings of one string the csv reader allocates per
	// record (ReuseRecord reuses only the slice), so they are kept as they
	// are; one backing struct holds the optional ones (one allocation, not
	// one per field).
	var in DeviceInput
	opt := new(struct {
		alias, user, platform, vendor, region, timezone string
		tags                                            []string
	})
	for i, f := range rec {
		switch im.col[i] {
		case "cid":
			in.CID = f
		case "alias":
			opt.alias, in.Alias = f, &opt.alias
		case "user_id":
			opt.user, in.UserID = f, &opt.user
		case "platform":
			opt.platform, in.Platform = f, &opt.platform
		case "vendor":
			opt.vendor, in.Vendor = f, &opt.vendor
		case "region":
			opt.region, in.Region = f, &opt.region
		case "timezone":
			opt.timezone, in.Timezone = f, &opt.timezone
		case "tags":
			opt.tags = []string{}
			if f != "" {
				opt.tags = strings.Split(f, ";")
			}
			in.Tags = &opt.tags
		}
	}
	in.Normalize()
	v := &ValidationError{}
	in.Validate(v, "")
	if len(v.Fields) == 0 && im.attrs > 0 {
		in.storedAttrs = im.storedAttrs(v, rec)
	}
	if len(v.Fields) > 0 {
		for _, name := range rejectOrder {
			if fe, ok := v.Fields[name]; ok {
				im.reject(line, name, fe.ID, fe.Data)
				break
			}
		}
		return in, false
	}
	if first, dup := im.seen.add(in.CID, uint32(min(line, 1<<32-1))); dup {
		im.reject(line, "cid", "err.csv_duplicate_cid", map[string]any{"First": first})
		return in, false
	}
	return in, true
}

// rejectLong rejects the over-long records that began before line, so
// rejections stay in line order.
func (im *csvImport) rejectLong(before int64) {
	for _, l := range im.capped.takeLong(before) {
		im.rows++
		im.reject(l, "", "err.csv_record_too_long", map[string]any{"Max": MaxCSVRecordBytes >> 10})
	}
}

func (im *csvImport) reject(line int64, field, id string, data map[string]any) {
	im.res.RejectedTotal++
	if len(im.res.Rejected) < im.limit {
		im.res.Rejected = append(im.res.Rejected, Rejection{Line: line, Field: field, FieldError: FieldError{ID: id, Data: data}})
	}
}

// countingReader counts the bytes read, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// cidSet remembers the cids of a file by a 64-bit hash with the line they
// were on: an open-addressing table of 12 bytes a slot, a third of what a
// map of strings would hold and about half of a Go map of the same pairs.
// Two different cids sharing a 64-bit hash (odds ≈ 3·10⁻⁸ for a million
// rows) would reject the second as a duplicate.
//
// The table is filled to at most 4/5 and grows by half, its size any
// number (a hash picks its slot by multiplying, not by masking): at a
// million rows it holds 1.5 million slots (18 MB) where doubling powers of
// two to stay under 3/4 held 2.1 million (25 MB), and the last growth has
// 30 MB live instead of 38. It is the largest thing an import keeps.
type cidSet struct {
	seed  maphash.Seed
	keys  []uint64 // 0 marks a free slot; stored hashes have the low bit set
	lines []uint32
	n     int
}

func newCIDSet() cidSet {
	return cidSet{seed: maphash.MakeSeed(), keys: make([]uint64, 1024), lines: make([]uint32, 1024)}
}

// home is the slot where a probe for hash h starts: h scaled to the
// table's size by its high bits.
func (c *cidSet) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(c.keys)))
	return int(hi)
}

// add records cid on line; when it was already there it returns the first
// line and true instead.
func (c *cidSet) add(cid string, line uint32) (uint32, bool) {
	if (c.n+1)*5 > len(c.keys)*4 {
		c.grow()
	}
	h := maphash.String(c.seed, cid) | 1
	for i := c.home(h); ; i++ {
		if i == len(c.keys) {
			i = 0
		}
		switch c.keys[i] {
		case h:
			return c.lines[i], true
		case 0:
			c.keys[i], c.lines[i] = h, line
			c.n++
			return 0, false
		}
	}
}

func (c *cidSet) grow() {
	keys, lines := c.keys, c.lines
	size := len(keys) + len(keys)/2
	c.keys, c.lines = make([]uint64, size), make([]uint32, size)
	for j, h := range keys {
		if h == 0 {
			continue
		}
		i := c.home(h)
		for c.keys[i] != 0 {
			if i++; i == size {
				i = 0
			}
		}
		c.keys[i], c.lines[i] = h, lines[j]
	}
}
