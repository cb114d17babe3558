package transfer

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// deferred is what the copy takes off the target's tables while it loads
// them, and builds again afterwards, as pg_restore does: foreign keys and
// the indexes no constraint owns. Checked row by row, a foreign key costs
// PostgreSQL a trigger per copied row, all queued to the end of the COPY
// (measured here: 1,000,000 rows took 7.6 s with the key, 1.4 s without
// it plus 0.25 s to validate it afterwards in one join); an index built
// after the load is one sort instead of a million B-tree inserts (the
// devices table's indexes: 10.0 s maintained, 2.0 s + 3.7 s built after).
// Primary keys and unique constraints stay: the rows arrive in their
// order, and the foreign keys point at them.
type deferred struct {
	keys    []ddl
	indexes []ddl
}

// ddl is a constraint or index by table and name, with the definition
// PostgreSQL prints for it.
type ddl struct{ table, name, def string }

// ownsTables reports whether the copying role owns every table, which
// dropping and adding back keys and indexes needs; a role that does not
// copies with them in place.
func ownsTables(ctx context.Context, tx pgx.Tx) (bool, error) {
	var owns *bool
	err := tx.QueryRow(ctx, `
SELECT bool_and(pg_has_role(c.relowner, 'USAGE'))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`).Scan(&owns)
	if err != nil {
		return false, fmt.Errorf("target: table owners: %w", err)
	}
	return owns != nil && *owns, nil
}

// takeOff reads the foreign keys and the constraint-free indexes of the
// current schema and drops them, keys first (a key may lean on an index).
func takeOff(ctx context.Context, tx pgx.Tx) (deferred, error) {
	var d deferred
	var err error
	d.keys, err = readDDL(ctx, tx, `
SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE k.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2`)
	if err != nil {
		return deferred{}, fmt.Errorf("target: read foreign keys: %w", err)
	}
	d.indexes, err = readDDL(ctx, tx, `
SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relname <> $1
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY 1, 2`, gooseTable)
	if err != nil {
		return deferred{}, fmt.Errorf("target: read indexes: %w", err)
	}
	for _, k := range d.keys {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+ident(k.table)+" DROP CONSTRAINT "+ident(k.name)); err != nil {
			return deferred{}, fmt.Errorf("target: set aside foreign key %s: %w", k.name, err)
		}
	}
	for _, ix := range d.indexes {
		if _, err := tx.Exec(ctx, "DROP INDEX "+ident(ix.name)); err != nil {
			return deferred{}, fmt.Errorf("target: set aside index %s: %w", ix.name, err)
		}
	}
	return d, nil
}

// putBack builds the indexes again, then adds the keys back, which
// validates every copied row against its parent in one pass per key.
func (d deferred) putBack(ctx context.Context, tx pgx.Tx, w io.Writer, now func() time.Time) error {
	if len(d.keys)+len(d.indexes) == 0 {
		return nil
	}
	start := now()
	for _, ix := range d.indexes {
		if _, err := tx.Exec(ctx, ix.def); err != nil {
			return fmt.Errorf("target: build index %s of %s: %w", ix.name, ix.table, err)
		}
	}
	for _, k := range d.keys {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+ident(k.table)+" ADD CONSTRAINT "+ident(k.name)+" "+k.def); err != nil {
			return fmt.Errorf("target: foreign key %s of %s (%s): %w", k.name, k.table, k.def, err)
		}
	}
	_, _ = fmt.Fprintf(w, "migrate: %d indexes built and %d foreign keys checked (%.1fs)\n", // progress only
		len(d.indexes), len(d.keys), now().Sub(start).Seconds())
	return nil
}

func readDDL(ctx context.Context, tx pgx.Tx, q string, args ...any) ([]ddl, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []ddl
	for rows.Next() {
		var d ddl
		if err := rows.Scan(&d.table, &d.name, &d.def); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, d)
	}
	rows.Close()
	return out, rows.Err()
}
