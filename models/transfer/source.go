package transfer

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// sqliteHeader opens every SQLite 3 database file.
const sqliteHeader = "SQLite format 3\x00"

// source is the SQLite database being copied, read inside one read
// transaction so every table comes from the same moment (WAL gives the
// transaction a snapshot; a writer still running on the file does not
// tear the copy, though its later writes are not copied).
type source struct {
	path string
	db   *sql.DB
	tx   *sql.Tx
}

// openSource opens path read-only: mode=ro makes SQLite refuse any write,
// query_only refuses them again at the statement level, and no migration
// runs, so the file is left exactly as it was.
func openSource(ctx context.Context, path string) (*source, error) {
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?mode=ro&_query_only=1&_busy_timeout=10000&_loc=UTC"
	db := sql.OpenDB(connector{dsn: dsn, drv: &sqlite3.SQLiteDriver{}})
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		_ = db.Close() // the open error is the one to report
		return nil, fmt.Errorf("source %s: %w", path, err)
	}
	return &source{path: path, db: db, tx: tx}, nil
}

// checkHeader tells a missing file, a directory and a file that is not
// SQLite apart before the driver does (it would create a missing file, or
// fail at the first query with a terser message).
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("source %s: no such file", path)
	}
	if err != nil {
		return fmt.Errorf("source %s: %w", path, err)
	}
	defer func() { _ = f.Close() }() // read-only: closing cannot lose anything
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("source %s: not a SQLite database (the file is too short)", path)
		}
		return fmt.Errorf("source %s: %w", path, err)
	}
	if !bytes.Equal(head, []byte(sqliteHeader)) {
		return fmt.Errorf("source %s: not a SQLite database", path)
	}
	return nil
}

func (s *source) close() error {
	err := s.tx.Rollback() // a read transaction: nothing to keep
	return errors.Join(err, s.db.Close())
}

// version is the newest migration goose applied to the source; a file
// without goose's table is a SQLite database but not pushdeck's.
func (s *source) version(ctx context.Context) (int64, error) {
	var n int
	err := s.tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'goose_db_version'").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("source %s: %w", s.path, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("source %s: not a pushdeck database (no migration history)", s.path)
	}
	var v sql.NullInt64
	if err := s.tx.QueryRowContext(ctx, "SELECT max(version_id) FROM goose_db_version WHERE is_applied").Scan(&v); err != nil {
		return 0, fmt.Errorf("source %s: migration history: %w", s.path, err)
	}
	return v.Int64, nil
}

// tables lists the source's own tables: SQLite's internal ones and goose's
// history (the target has its own) are not data.
func (s *source) tables(ctx context.Context) (map[string]bool, error) {
	rows, err := s.tx.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table'")
	if err != nil {
		return nil, fmt.Errorf("source %s: tables: %w", s.path, err)
	}
	defer func() { _ = rows.Close() }() // read-only; rows.Err reports what matters
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("source %s: tables: %w", s.path, err)
		}
		if !strings.HasPrefix(name, "sqlite_") && name != gooseTable {
			out[name] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("source %s: tables: %w", s.path, err)
	}
	return out, nil
}

// columns lists a source table's column names.
func (s *source) columns(ctx context.Context, table string) (map[string]bool, error) {
	rows, err := s.tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, fmt.Errorf("source %s: columns of %s: %w", s.path, table, err)
	}
	defer func() { _ = rows.Close() }() // as in tables
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("source %s: columns of %s: %w", s.path, table, err)
		}
		out[name] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("source %s: columns of %s: %w", s.path, table, err)
	}
	return out, nil
}

// count is a table's number of rows, the total a progress line shows.
func (s *source) count(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := s.tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteSQLite(table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("source %s: count %s: %w", s.path, table, err)
	}
	return n, nil
}

// scan streams a table's rows in storage order (rowid, or the primary key
// of a WITHOUT ROWID table): no ORDER BY, so SQLite walks the table once
// and holds nothing but the current page.
func (s *source) scan(ctx context.Context, table string, cols []string) (*sql.Rows, error) {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteSQLite(c)
	}
	q := "SELECT " + strings.Join(quoted, ", ") + " FROM " + quoteSQLite(table)
	rows, err := s.tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("source %s: read %s: %w", s.path, table, err)
	}
	return rows, nil
}

// quoteSQLite quotes an identifier read from the schema itself (never user
// input), doubling any quote inside it.
func quoteSQLite(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// connector opens mattn connections without registering a driver name in
// database/sql's global table.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }
