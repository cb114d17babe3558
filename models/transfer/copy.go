package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// plan is what one table's copy writes: the target columns the source
// has, each with its converter.
type plan struct {
	table *table
	cols  []column
	names []string
}

// planTable matches a target table's columns with the source's. A column
// only the target has must be one PostgreSQL fills (a default, identity
// or generated column); a column only the source has would lose data, so
// both mismatches are refused with the column named: at the same
// migration version the two schemas are supposed to hold the same columns.
func planTable(t *table, srcCols map[string]bool) (plan, error) {
	p := plan{table: t}
	seen := map[string]bool{}
	for _, c := range t.cols {
		seen[c.name] = true
		if c.generated {
			continue
		}
		if !srcCols[c.name] {
			if c.filled || c.nullable {
				continue
			}
			return plan{}, fmt.Errorf("table %s: column %s is required in PostgreSQL but missing in SQLite", t.name, c.name)
		}
		p.cols = append(p.cols, c)
		p.names = append(p.names, c.name)
	}
	var extra []string
	for c := range srcCols {
		if !seen[c] {
			extra = append(extra, c)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return plan{}, fmt.Errorf("table %s: column %s has no counterpart in the PostgreSQL schema", t.name, strings.Join(extra, ", "))
	}
	return p, nil
}

// copyTable streams one table from SQLite into PostgreSQL with COPY:
// pgx encodes each row as it is read and sends the stream in 64 KiB
// messages, so memory stays flat however many rows the table has.
func copyTable(ctx context.Context, src *source, tx pgx.Tx, p plan, prog *progress) (int64, error) {
	rows, err := src.scan(ctx, p.table.name, p.names)
	if err != nil {
		return 0, err
	}
	defer func() { _ = rows.Close() }() // read-only; a read error surfaces through rs.Err
	rs := &rowSource{rows: rows, plan: p, prog: prog,
		raw: make([]any, len(p.cols)), ptrs: make([]any, len(p.cols)), out: make([]any, len(p.cols))}
	for i := range rs.raw {
		rs.ptrs[i] = &rs.raw[i]
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{p.table.name}, p.names, rs)
	if rs.err != nil {
		// pgx reports a source error as the server's answer to the
		// aborted COPY; ours names the row and column.
		return n, fmt.Errorf("table %s: %w", p.table.name, rs.err)
	}
	if err != nil {
		return n, fmt.Errorf("table %s: %w", p.table.name, err)
	}
	return n, nil
}

// rowSource is pgx.CopyFromSource over SQLite rows. It reuses its slices:
// pgx encodes a row's values before asking for the next one, and Scan
// into *any copies the driver's bytes.
type rowSource struct {
	rows *sql.Rows
	plan plan
	prog *progress
	raw  []any
	ptrs []any
	out  []any
	row  int64
	err  error
}

func (r *rowSource) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	r.row++
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = fmt.Errorf("read row %d: %w", r.row, err)
		return false
	}
	for i, c := range r.plan.cols {
		v, err := convert(c.class, r.raw[i])
		if err != nil {
			r.err = fmt.Errorf("row %d, column %s: %w", r.row, c.name, err)
			return false
		}
		r.out[i] = v
	}
	r.prog.row()
	return true
}

func (r *rowSource) Values() ([]any, error) { return r.out, nil }

func (r *rowSource) Err() error {
	return errors.Join(r.err, r.rows.Err())
}
