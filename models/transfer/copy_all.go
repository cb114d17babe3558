package transfer

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// copyAll copies every table inside tx: it checks the target's version,
// locks and re-checks that it is empty, matches the two schemas, copies in
// foreign-key order and moves the sequences past the copied ids.
func copyAll(ctx context.Context, src *source, conn *pgx.Conn, tx pgx.Tx, o Options) (Summary, error) {
	v, err := targetVersion(ctx, tx)
	if err != nil {
		return Summary{}, err
	}
	if v != o.Version {
		return Summary{}, fmt.Errorf("target is at migration %d after migrating, this pushdeck at %d: %w", v, o.Version, ErrVersion)
	}
	sch, err := schema(ctx, tx)
	if err != nil {
		return Summary{}, err
	}
	if err := lock(ctx, tx, sortedNames(sch), o.LockWait); err != nil {
		return Summary{}, err
	}
	if err := checkEmpty(ctx, tx, sortedNames(sch)); err != nil {
		return Summary{}, err
	}
	srcTables, err := src.tables(ctx)
	if err != nil {
		return Summary{}, err
	}
	if err := sourceOnly(srcTables, sch); err != nil {
		return Summary{}, err
	}
	keys, err := foreignKeys(ctx, tx)
	if err != nil {
		return Summary{}, err
	}
	order, err := fkOrder(sortedNames(sch), keys)
	if err != nil {
		return Summary{}, err
	}
	tables := make([]*table, len(order))
	for i, n := range order {
		tables[i] = sch[n]
	}
	if err := loadTypes(ctx, conn, tables); err != nil {
		return Summary{}, err
	}
	var aside deferred
	owns, err := ownsTables(ctx, tx)
	if err != nil {
		return Summary{}, err
	}
	if owns {
		if aside, err = takeOff(ctx, tx); err != nil {
			return Summary{}, err
		}
	} else {
		_, _ = fmt.Fprintln(o.Progress, "migrate: this role does not own every table: foreign keys are checked and indexes kept row by row (slower)") // progress only
	}
	var sum Summary
	for _, t := range tables {
		if !srcTables[t.name] {
			_, _ = fmt.Fprintf(o.Progress, "migrate: %s: not in the SQLite database, left empty\n", t.name) // progress only
			continue
		}
		n, err := copyOne(ctx, src, tx, t, o)
		if err != nil {
			return Summary{}, err
		}
		sum.Tables++
		sum.Rows += n
	}
	if err := aside.putBack(ctx, tx, o.Progress, o.Now); err != nil {
		return Summary{}, err
	}
	if err := resetSequences(ctx, tx, tables); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// sourceOnly refuses a source table the target has no table for: at the
// same migration version there is none, and copying the rest would drop
// its rows without a word.
func sourceOnly(srcTables map[string]bool, sch map[string]*table) error {
	var missing []string
	for n := range srcTables {
		if sch[n] == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("table %s has no counterpart in the PostgreSQL schema", strings.Join(missing, ", "))
}

func copyOne(ctx context.Context, src *source, tx pgx.Tx, t *table, o Options) (int64, error) {
	cols, err := src.columns(ctx, t.name)
	if err != nil {
		return 0, err
	}
	p, err := planTable(t, cols)
	if err != nil {
		return 0, err
	}
	total, err := src.count(ctx, t.name)
	if err != nil {
		return 0, err
	}
	prog := newProgress(o.Progress, t.name, total, o.Now)
	n, err := copyTable(ctx, src, tx, p, prog)
	if err != nil {
		return 0, err
	}
	if n != total {
		return 0, fmt.Errorf("table %s: copied %d rows of %d", t.name, n, total)
	}
	prog.finish()
	return n, nil
}
