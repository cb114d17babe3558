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
	"slices"
	"strings"
	"unicode/utf8"
)

// CSVColumns are the columns a device CSV may name in its header, in any
// order (DESIGN.md "Devices and CSV"); cid is required.
var CSVColumns = []string{"cid", "alias", "user_id", "platform", "vendor", "region", "tags"}

// ImportOptions tunes ImportCSV. Zero values take the defaults.
type ImportOptions struct {
	// TxRows is the most rows one transaction writes (default 50,000).
	// Rows are read, validated and written in chunks of up to 10,000 (at
	// most two chunks are in memory); a transaction takes the next chunk
	// only when it is already parsed, so a slow upload never holds the
	// write lock while it waits for bytes.
	//
	// Why not commit every chunk: the audience's unique and alias/user_id
	// indexes take rows in random order, so a transaction dirties pages all
	// over them and its commit writes each of those pages to the WAL.
	// Measured on 1,000,000 devices that all carry an alias and a user_id
	// (a micro-benchmark of the insert alone): 3.1 GB of WAL and 28 s with a
	// commit every 10,000 rows, 0.8 GB and 20 s every 50,000, 0.5 GB and
	// 19.7 s every 100,000. The import benchmark went from 13.6–15.5 s to
	// 11.7–12.9 s; 50,000 keeps the write lock under about a second.
	TxRows int
	// MaxRejections is how many rejected rows are kept with their reason
	// (default 100); RejectedTotal counts them all.
	MaxRejections int
	// Progress, when set, is called after every chunk written.
	Progress func(ImportProgress)
}

// ImportProgress is how far an import has got.
type ImportProgress struct {
	// Bytes is how much of the file has been read.
	Bytes int64
	// Rows is how many data rows have been read.
	Rows   int64
	Result ImportResult
}

// ImportResult is the outcome of a CSV import: the upsert counts plus the
// first rejected rows with their reasons and the total rejected.
type ImportResult struct {
	UpsertResult
	Rejected      []Rejection
	RejectedTotal int64
}

// Rejection is one refused CSV row: its physical line (the header is line
// 1), the field at fault ("" for the row as a whole) and the reason as a
// catalog id with data, rendered by the caller in the reader's language.
type Rejection struct {
	Line  int64
	Field string
	FieldError
}

// ImportCSV streams a device CSV into an account: the file is read once,
// never held whole; good rows are upserted in transactions of TxRows, bad
// rows are rejected with their line and reason while the rest go in. A
// file-level problem (no header, no cid column, an unknown column, an
// unknown account) is a *ValidationError on "provider_id" or "header" and
// writes nothing. Rows written before a database error stay written; a
// re-import is idempotent, so running it again finishes the job.
//
// One goroutine parses and validates the next transaction's rows while the
// current one is written (the machine has two cores; the writer is the
// bottleneck), so at most two transactions' worth of rows are in memory.
func (s *Store) ImportCSV(ctx context.Context, providerID int64, r io.Reader, opt ImportOptions) (ImportResult, error) {
	if opt.TxRows <= 0 {
		opt.TxRows = 50000
	}
	if opt.MaxRejections <= 0 {
		opt.MaxRejections = 100
	}
	if _, err := s.ProviderAccountByID(ctx, providerID); err != nil {
		if errors.Is(err, ErrNotFound) {
			v := &ValidationError{}
			v.Add("provider_id", "err.provider_unknown", nil)
			return ImportResult{}, v
		}
		return ImportResult{}, err
	}
	im, err := newCSVImport(r, opt)
	if err != nil {
		return ImportResult{}, err
	}
	prevCache, err := s.cacheSize(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	defer s.restoreCacheSize(ctx, prevCache)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan csvBatch, 1)
	go im.readAll(ctx, min(opt.TxRows, importChunkRows), batches)
	var res ImportResult
	for b := range batches {
		if err := s.writeImportTx(ctx, providerID, b, batches, opt, &res); err != nil {
			return res, err
		}
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("models: import devices: %w", err)
	}
	return res, nil
}

// importChunkRows is how many rows the reader hands over at a time.
const importChunkRows = 10000

// importCacheKiB is the page cache of an import's transactions. A million
// devices make indexes of ≈100 MB written in cid order (the unique index)
// and in random order (alias, user_id); with SQLite's default 2 MB cache
// most inserts fetched and spilled pages. With commits every 10,000 rows,
// 32 MB cut the time of a 1,000,000-row import by a quarter (64 MB did no
// better); with 50,000-row transactions 16 MB is as fast (11.7 s against
// 12.4 s; 8 MB took 13.7 s) and keeps the peak resident set near 120 MB
// instead of 155 MB. Each import
// transaction sets it on its connection; the import puts the previous size
// back when it ends, so the write connection keeps its usual size (putting
// it back after every transaction would drop the cached pages each time).
const importCacheKiB = 16 << 10

// writeImportTx writes the chunk first, and then, in the same
// transaction, the next chunks as long as they are already waiting in more
// and the transaction holds fewer than opt.TxRows rows. res takes each
// chunk's counts and rejections, and opt.Progress hears of each chunk. A
// chunk that carries the reader's error ends the transaction, committed
// with the chunks before it, and the error is returned.
func (s *Store) writeImportTx(ctx context.Context, providerID int64, first csvBatch, more <-chan csvBatch, opt ImportOptions, res *ImportResult) error {
	var readErr error
	committed := res.UpsertResult
	err := s.WithTx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Exec(fmt.Sprintf(`PRAGMA cache_size = -%d`, importCacheKiB)).Error; err != nil {
			return fmt.Errorf("models: cache size: %w", err)
		}
		w := newDeviceWriter(tx, providerID)
		b, rows := first, 0
		for {
			res.Rejected, res.RejectedTotal = b.rejected, b.rejectedTotal
			if b.err != nil {
				readErr = b.err
				break
			}
			if len(b.rows) > 0 {
				got, err := w.write(ctx, b.rows)
				if err != nil {
					return err
				}
				res.add(got)
				rows += len(b.rows)
			}
			if opt.Progress != nil {
				p := *res
				p.Rejected = slices.Clone(res.Rejected)
				opt.Progress(ImportProgress{Bytes: b.bytes, Rows: b.read, Result: p})
			}
			if rows >= opt.TxRows {
				break
			}
			var ok bool
			select {
			case b, ok = <-more:
			default: // nothing parsed yet: commit rather than wait holding the lock
			}
			if !ok {
				break
			}
		}
		return w.finish(ctx)
	})
	if err != nil {
		res.UpsertResult = committed // the transaction's rows are not in
		return fmt.Errorf("models: import devices into account %d: %w", providerID, err)
	}
	return readErr
}

// cacheSize reads the write connection's page cache setting.
func (s *Store) cacheSize(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Raw(`PRAGMA cache_size`).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("models: cache size: %w", err)
	}
	return n, nil
}

// restoreCacheSize puts the page cache back after an import (freeing the
// pages beyond it). The store writes through one connection; were there
// several, one could keep the larger cache until it is closed.
func (s *Store) restoreCacheSize(ctx context.Context, n int64) {
	// n is an integer SQLite gave, never input. On failure only memory is
	// at stake (the connection keeps the larger cache), so it is not
	// reported over the import's own result.
	_ = s.conn(context.WithoutCancel(ctx)).Exec(fmt.Sprintf(`PRAGMA cache_size = %d`, n)).Error
}

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
	// col maps a column index to its name.
	col   []string
	rows  int64
	seen  cidSet
	res   ImportResult
	limit int
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
	for _, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !utf8.ValidString(name) || !slices.Contains(CSVColumns, name):
			v.Add("header", "err.csv_unknown_column", map[string]any{"Name": clip(strings.ToValidUTF8(h, "?"), 64), "Columns": strings.Join(CSVColumns, ", ")})
		case slices.Contains(im.col, name):
			v.Add("header", "err.csv_duplicate_column", map[string]any{"Name": name})
		}
		im.col = append(im.col, name)
	}
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
var rejectOrder = []string{"cid", "alias", "user_id", "platform", "vendor", "region", "tags"}

// parse turns a record into a validated input, or rejects it.
func (im *csvImport) parse(line int64, rec []string) (DeviceInput, bool) {
	// The fields are substrings of one string the csv reader allocates per
	// record (ReuseRecord reuses only the slice), so they are kept as they
	// are; one backing struct holds the optional ones (one allocation, not
	// one per field).
	var in DeviceInput
	opt := new(struct {
		alias, user, platform, vendor, region string
		tags                                  []string
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
type cidSet struct {
	seed  maphash.Seed
	keys  []uint64 // 0 marks a free slot; stored hashes have the low bit set
	lines []uint32
	n     int
}

func newCIDSet() cidSet {
	return cidSet{seed: maphash.MakeSeed(), keys: make([]uint64, 1024), lines: make([]uint32, 1024)}
}

// add records cid on line; when it was already there it returns the first
// line and true instead.
func (c *cidSet) add(cid string, line uint32) (uint32, bool) {
	if (c.n+1)*4 > len(c.keys)*3 {
		c.grow()
	}
	h := maphash.String(c.seed, cid) | 1
	mask := uint64(len(c.keys) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
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
	c.keys, c.lines = make([]uint64, 2*len(keys)), make([]uint32, 2*len(keys))
	mask := uint64(len(c.keys) - 1)
	for j, h := range keys {
		if h == 0 {
			continue
		}
		i := h & mask
		for c.keys[i] != 0 {
			i = (i + 1) & mask
		}
		c.keys[i], c.lines[i] = h, lines[j]
	}
}
