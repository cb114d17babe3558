package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// CSVColumns are the columns a device CSV may name in its header, in any
// order; cid is required.
var CSVColumns = []string{"cid", "alias", "user_id", "platform", "vendor", "region", "tags", "timezone"}

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
	// Committed is the part of Result's counts that is in the database
	// for certain: the transactions committed so far. Result also counts
	// the open transaction, which a killed process loses.
	Committed UpsertResult
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
	s.importAnalyze(ctx, res)
	// The rows went in over several transactions; the event follows the
	// last one (a crash before it loses only the notice, and the import is
	// idempotent, so running it again announces it).
	err = s.EmitWebhook(ctx, EventImportFinished, map[string]any{"provider_id": providerID, "imported": res.Imported,
		"updated": res.Updated, "unchanged": res.Unchanged, "rejected": res.RejectedTotal})
	return res, err
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
	var last ImportProgress
	err := s.WithTx(ctx, func(tx *Store) error {
		if tx.dialect.importCache {
			if err := tx.conn(ctx).Exec(fmt.Sprintf(`PRAGMA cache_size = -%d`, importCacheKiB)).Error; err != nil {
				return fmt.Errorf("models: cache size: %w", err)
			}
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
				last = ImportProgress{Bytes: b.bytes, Rows: b.read, Result: p, Committed: committed}
				opt.Progress(last)
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
	if opt.Progress != nil && last.Rows > 0 {
		last.Committed = res.UpsertResult // the transaction is in
		opt.Progress(last)
	}
	return readErr
}

// importAnalyze refreshes the devices table's statistics after an import
// added rows, where the dialect asks for it. PostgreSQL's autovacuum
// analyzes a table only after a tenth of it changed and at its next round
// (a minute apart by default): a send started right after a first large
// import meanwhile planned its audience pages from an empty table's
// estimates — a scan of every matching device and a sort for each page
// of 5,000 (measured: 190 ms a page at 200,000 devices, 10 ms once
// analyzed; at a million devices the audience read grows with the square
// of its size). ANALYZE reads a fixed sample, so it costs a fraction of a
// second however large the table. A failure is not returned over the
// import's own result: it only leaves the statistics to autovacuum (a
// user that does not own the table gets a warning from the server, not
// an error).
func (s *Store) importAnalyze(ctx context.Context, res ImportResult) {
	if s.dialect.analyzeDevices == "" || res.Imported == 0 {
		return
	}
	_ = s.conn(context.WithoutCancel(ctx)).Exec(s.dialect.analyzeDevices).Error
}

// cacheSize reads the write connection's page cache setting (0 where the
// dialect has none to set).
func (s *Store) cacheSize(ctx context.Context) (int64, error) {
	var n int64
	if !s.dialect.importCache {
		return 0, nil
	}
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
	if !s.dialect.importCache {
		return
	}
	_ = s.conn(context.WithoutCancel(ctx)).Exec(fmt.Sprintf(`PRAGMA cache_size = %d`, n)).Error
}

// readHeader names the columns: a fixed field by its name in any letter
// case, anything else an attribute named by its header as written (so it
// must be a valid attribute name).
func (im *csvImport) readHeader(v *ValidationError, header []string) {
	for _, h := range header {
		name := strings.TrimSpace(h)
		isAttr := !slices.Contains(CSVColumns, strings.ToLower(name))
		if !isAttr {
			name = strings.ToLower(name)
		}
		switch {
		case isAttr && !utf8.ValidString(name):
			v.Add("header", "err.attr_name", map[string]any{"Name": clip(strings.ToValidUTF8(h, "?"), 64), "Max": MaxAttrNameLen, "Count": MaxAttrNameLen})
		case isAttr && !checkAttrName(v, "header", name):
		case slices.Contains(im.col, name):
			v.Add("header", "err.csv_duplicate_column", map[string]any{"Name": name})
		}
		im.col = append(im.col, name)
		im.attr = append(im.attr, isAttr)
		if isAttr {
			im.attrs++
		}
	}
	if im.attrs > MaxDeviceAttrs {
		v.Add("header", "err.attr_too_many", map[string]any{"Max": MaxDeviceAttrs, "Count": MaxDeviceAttrs})
	}
	for i, isAttr := range im.attr {
		if isAttr {
			im.attrCols = append(im.attrCols, i)
		}
	}
	slices.SortFunc(im.attrCols, func(a, b int) int { return strings.Compare(im.col[a], im.col[b]) })
}

// storedAttrs writes a record's attribute columns straight to their
// stored form (what encodeAttrs makes of the same set): the file's
// attribute columns are the device's whole set, a value is trimmed and an
// empty cell is "no value" for that name, exactly as Normalize treats a
// map. A bad value is added to v under "attributes" and "" comes back.
// No map is built: at a million rows a map per row was most of the
// import's garbage and of the rows it held in memory.
func (im *csvImport) storedAttrs(v *ValidationError, rec []string) string {
	b := append(im.attrBuf[:0], '{')
	for _, i := range im.attrCols {
		x := strings.TrimSpace(rec[i])
		if x == "" {
			continue
		}
		if !checkAttrValue(v, "attributes", im.col[i], x) {
			return ""
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, im.col[i])
		b = append(b, ':')
		b = appendJSONString(b, x)
	}
	im.attrBuf = append(b, '}')
	return string(im.attrBuf)
}
