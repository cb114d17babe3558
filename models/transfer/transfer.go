// Package transfer copies a pushdeck SQLite database into an empty
// PostgreSQL one (`pushdeck migrate --from FILE --to postgres://…`).
//
// The copy is driven by the target's schema, not by a list of tables here:
// every base table PostgreSQL has (but goose's history) is filled from the
// SQLite table of the same name, in foreign-key order, column by column as
// information_schema types them. A table or column that a new migration
// adds copies without a change to this package.
package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options says what to copy where.
type Options struct {
	// From is the SQLite database file; it is opened read-only.
	From string
	// To is the PostgreSQL URL of an empty database.
	To string
	// Version is the migration version this binary's schema reaches; the
	// source must be at it, and Migrate brings the target to it.
	Version int64
	// Migrate applies the PostgreSQL migrations to the target. It runs
	// after the target was found empty, before the copy.
	Migrate func(ctx context.Context) error
	// Progress receives the progress lines.
	Progress io.Writer
	// Now is the clock of the progress lines (time.Now when nil).
	Now func() time.Time
	// LockWait bounds the wait for the target's tables (15s when 0).
	LockWait time.Duration
}

// Summary is what a finished copy did.
type Summary struct {
	Tables  int
	Rows    int64
	Elapsed time.Duration
}

// ErrVersion is wrapped when the source's schema version is not this
// binary's.
var ErrVersion = errors.New("schema versions differ")

// Run copies o.From into o.To in one PostgreSQL transaction: a failure at
// any point leaves the target with no rows. It refuses a source at another
// migration version than o.Version and a target holding any row.
func Run(ctx context.Context, o Options) (Summary, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LockWait <= 0 {
		o.LockWait = 15 * time.Second
	}
	started := o.Now()
	src, err := openSource(ctx, o.From)
	if err != nil {
		return Summary{}, err
	}
	defer func() { _ = src.close() }() // read-only: nothing to lose on close
	if err := checkSourceVersion(ctx, src, o.Version); err != nil {
		return Summary{}, err
	}
	if err := src.refuseRunning(ctx, o.Now()); err != nil {
		return Summary{}, err
	}
	conn, err := connect(ctx, o.To)
	if err != nil {
		return Summary{}, err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }() // committed or rolled back by then
	// Refuse a non-empty target before migrating it: a refused run must
	// leave the target exactly as it found it.
	if err := inTx(ctx, conn, func(tx pgx.Tx) error { return refuseNonEmpty(ctx, tx) }); err != nil {
		return Summary{}, err
	}
	if o.Migrate != nil {
		if err := o.Migrate(ctx); err != nil {
			return Summary{}, fmt.Errorf("target: migrate the schema: %w", err)
		}
	}
	var sum Summary
	err = inTx(ctx, conn, func(tx pgx.Tx) error {
		sum, err = copyAll(ctx, src, conn, tx, o)
		return err
	})
	if err != nil {
		return Summary{}, err
	}
	analyze(ctx, conn, o)
	sum.Elapsed = o.Now().Sub(started)
	return sum, nil
}

func checkSourceVersion(ctx context.Context, src *source, want int64) error {
	v, err := src.version(ctx)
	if err != nil {
		return err
	}
	switch {
	case v < want:
		return fmt.Errorf("source %s is at migration %d, this pushdeck at %d: %w; bring it up first with this binary "+
			"(`pushdeck migrate --db %s`, after a backup), then copy", src.path, v, want, ErrVersion, src.path)
	case v > want:
		return fmt.Errorf("source %s is at migration %d, newer than this pushdeck's %d: %w; "+
			"copy it with the pushdeck release that wrote it", src.path, v, want, ErrVersion)
	}
	return nil
}

// analyze gathers the planner's statistics of the freshly loaded tables,
// which autovacuum would only do a while later: until then the first
// audience counts and pages would be planned for empty tables. The copy is
// committed by now, so a failure here is reported, not returned.
func analyze(ctx context.Context, conn *pgx.Conn, o Options) {
	start := o.Now()
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		_, _ = fmt.Fprintf(o.Progress, "migrate: ANALYZE failed (autovacuum will gather the statistics later): %v\n", err) // progress only
		return
	}
	_, _ = fmt.Fprintf(o.Progress, "migrate: statistics gathered (%.1fs)\n", o.Now().Sub(start).Seconds()) // progress only
}

// connect opens one connection to the target: the whole copy is one
// transaction, so one connection is all it can use.
func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err) // pgconn's message hides the password
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("target %s/%s: %w", cfg.Host, cfg.Database, err)
	}
	return conn, nil
}

// inTx runs fn in a transaction, committed when fn succeeds.
func inTx(ctx context.Context, conn *pgx.Conn, fn func(pgx.Tx) error) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("target: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx)) // fn's error is the one to report
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("target: commit: %w", err)
	}
	return nil
}

// refuseNonEmpty fails when a table of the target's schema holds a row.
func refuseNonEmpty(ctx context.Context, tx pgx.Tx) error {
	sch, err := schema(ctx, tx)
	if err != nil {
		return err
	}
	return checkEmpty(ctx, tx, sortedNames(sch))
}

func sortedNames(sch map[string]*table) []string {
	names := make([]string, 0, len(sch))
	for n := range sch {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
