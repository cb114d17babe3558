package transfer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// gooseTable is goose's migration history: each database keeps its own.
const gooseTable = "goose_db_version"

// column is one target column as information_schema describes it.
type column struct {
	name     string
	class    class
	udt      string
	nullable bool
	// filled says PostgreSQL fills the column itself when the copy leaves
	// it out: a default, an identity, or a generated column (which cannot
	// be written at all).
	filled    bool
	generated bool
	// serial names the sequence behind an identity or serial column.
	serial string
}

// table is one target table with its columns in declared order.
type table struct {
	name string
	cols []column
}

// schema reads the target's tables and columns in the current schema:
// the copy follows what PostgreSQL declares, so a table added by a new
// migration copies without a line of code here.
func schema(ctx context.Context, tx pgx.Tx) (map[string]*table, error) {
	rows, err := tx.Query(ctx, `
SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable = 'YES',
       c.column_default IS NOT NULL OR c.is_identity = 'YES' OR c.is_generated = 'ALWAYS',
       c.is_generated = 'ALWAYS',
       coalesce(pg_get_serial_sequence(format('%I.%I', c.table_schema, c.table_name), c.column_name), '')
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> $1
ORDER BY c.table_name, c.ordinal_position`, gooseTable)
	if err != nil {
		return nil, fmt.Errorf("target: read schema: %w", err)
	}
	defer rows.Close()
	out := map[string]*table{}
	for rows.Next() {
		var tname, dataType string
		var c column
		if err := rows.Scan(&tname, &c.name, &dataType, &c.udt, &c.nullable, &c.filled, &c.generated, &c.serial); err != nil {
			return nil, fmt.Errorf("target: read schema: %w", err)
		}
		c.class = classOf(dataType, c.udt)
		t := out[tname]
		if t == nil {
			t = &table{name: tname}
			out[tname] = t
		}
		t.cols = append(t.cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("target: read schema: %w", err)
	}
	return out, nil
}

// foreignKeys lists child → parent table pairs of the target's foreign
// keys, from the catalog (information_schema hides constraints on tables
// the role does not own).
func foreignKeys(ctx context.Context, tx pgx.Tx) ([][2]string, error) {
	rows, err := tx.Query(ctx, `
SELECT child.relname, parent.relname
FROM pg_constraint k
JOIN pg_class child ON child.oid = k.conrelid
JOIN pg_class parent ON parent.oid = k.confrelid
JOIN pg_namespace n ON n.oid = child.relnamespace
WHERE k.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, fmt.Errorf("target: read foreign keys: %w", err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var child, parent string
		if err := rows.Scan(&child, &parent); err != nil {
			return nil, fmt.Errorf("target: read foreign keys: %w", err)
		}
		out = append(out, [2]string{child, parent})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("target: read foreign keys: %w", err)
	}
	return out, nil
}

// targetVersion is the newest migration applied to the target, 0 when
// goose has not run there.
func targetVersion(ctx context.Context, tx pgx.Tx) (int64, error) {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass(format('%I.%I', current_schema(), $1::text)) IS NOT NULL", gooseTable).Scan(&exists); err != nil {
		return 0, fmt.Errorf("target: migration history: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v *int64
	if err := tx.QueryRow(ctx, "SELECT max(version_id) FROM "+gooseTable+" WHERE is_applied").Scan(&v); err != nil {
		return 0, fmt.Errorf("target: migration history: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// errNotEmpty is wrapped with the first table found holding rows.
var errNotEmpty = errors.New("the target database is not empty")

// checkEmpty refuses a target where any of the tables holds a row: the
// copy keeps the source's ids, and merging two installations is not
// something a copy can do right.
func checkEmpty(ctx context.Context, tx pgx.Tx, names []string) error {
	for _, name := range names {
		var any bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+ident(name)+")").Scan(&any); err != nil {
			return fmt.Errorf("target: check %s is empty: %w", name, err)
		}
		if any {
			return fmt.Errorf("%w: table %s holds rows; copy into a new, empty database", errNotEmpty, name)
		}
	}
	return nil
}

// lock takes the tables for the copy's transaction: a pushdeck instance
// started on the target meanwhile waits (its first write would otherwise
// make the copy refuse, or collide with the copied ids) and finds the copy
// complete when the lock goes.
func lock(ctx context.Context, tx pgx.Tx, names []string, wait time.Duration) error {
	if len(names) == 0 {
		return nil
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = ident(n)
	}
	// A bounded wait: tables held by a running instance (a long request, a
	// send) are a reason to stop, with a message, not to hang.
	if _, err := tx.Exec(ctx, "SELECT set_config('lock_timeout', $1, true)", strconv.FormatInt(wait.Milliseconds(), 10)); err != nil {
		return fmt.Errorf("target: lock tables: %w", err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+strings.Join(quoted, ", ")+" IN EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("target: lock tables (stop every pushdeck instance using the target first): %w", err)
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('lock_timeout', '0', true)"); err != nil {
		return fmt.Errorf("target: lock tables: %w", err)
	}
	return nil
}

// resetSequences moves every identity or serial sequence past the largest
// copied id, so the next row PostgreSQL numbers does not collide with one
// that came from SQLite.
func resetSequences(ctx context.Context, tx pgx.Tx, tables []*table) error {
	for _, t := range tables {
		for _, c := range t.cols {
			if c.serial == "" {
				continue
			}
			q := "SELECT setval($1::regclass, coalesce((SELECT max(" + ident(c.name) + ") FROM " + ident(t.name) + "), 0) + 1, false)"
			if _, err := tx.Exec(ctx, q, c.serial); err != nil {
				return fmt.Errorf("target: reset the sequence of %s.%s: %w", t.name, c.name, err)
			}
		}
	}
	return nil
}

// loadTypes registers the types pgx does not know by name (extension types
// such as citext), so COPY's binary encoding has a codec for each column:
// a text-like one takes text's codec (its binary form is the text), any
// other is loaded from the catalog.
func loadTypes(ctx context.Context, conn *pgx.Conn, tables []*table) error {
	for _, t := range tables {
		for _, c := range t.cols {
			if _, ok := conn.TypeMap().TypeForName(c.udt); ok {
				continue
			}
			if c.class == classText {
				var oid uint32
				if err := conn.QueryRow(ctx, "SELECT oid FROM pg_type WHERE typname = $1", c.udt).Scan(&oid); err != nil {
					return fmt.Errorf("target: type %s of %s.%s: %w", c.udt, t.name, c.name, err)
				}
				conn.TypeMap().RegisterType(&pgtype.Type{Name: c.udt, OID: oid, Codec: pgtype.TextCodec{}})
				continue
			}
			dt, err := conn.LoadType(ctx, c.udt)
			if err != nil {
				return fmt.Errorf("target: type %s of %s.%s: %w", c.udt, t.name, c.name, err)
			}
			conn.TypeMap().RegisterType(dt)
		}
	}
	return nil
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
