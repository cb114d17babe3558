package main

// The migrate subcommand: bring a database's schema up to date, or copy a
// SQLite database into an empty PostgreSQL one.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pushdeck/pushdeck/migrations"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/transfer"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	cfg := Config{SecretKey: secret(os.Getenv("PUSHDECK_SECRET_KEY"))}
	fs := flags("migrate", &cfg)
	from := fs.String("from", "", "copy this SQLite database file (read only) into the --to database")
	to := fs.String("to", "", "the empty PostgreSQL database (postgres://…) that --from is copied into")
	if err := fs.Parse(args); err != nil {
		return &usageError{msg: err.Error()}
	}
	if *from != "" || *to != "" {
		return cmdCopy(ctx, copyArgs{from: *from, to: *to, key: string(cfg.SecretKey)}, stdout, stderr, log)
	}
	_, _, closeDB, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	log.Info("database is up to date", slog.String("db", models.ShowDSN(cfg.DB)))
	return closeDB()
}

type copyArgs struct {
	from, to string
	key      string // PUSHDECK_SECRET_KEY as set for this run
}

// cmdCopy copies a SQLite database into an empty PostgreSQL one, with a
// progress line per table on stderr and, at the end, what the operator
// must do about the secret key.
func cmdCopy(ctx context.Context, a copyArgs, stdout, stderr io.Writer, log *slog.Logger) error {
	if a.from == "" || a.to == "" {
		return &usageError{msg: "migrate: --from and --to go together: --from names the SQLite file, --to the PostgreSQL URL"}
	}
	if !strings.HasPrefix(a.to, "postgres://") && !strings.HasPrefix(a.to, "postgresql://") {
		return &usageError{msg: "migrate: --to must be a PostgreSQL URL (postgres://user:password@host:5432/database)"}
	}
	version, err := transfer.LatestVersion(migrations.FS)
	if err != nil {
		return err
	}
	sum, err := transfer.Run(ctx, transfer.Options{
		From: a.from, To: a.to, Version: version, Progress: stderr,
		Migrate: func(ctx context.Context) error { return migrateTarget(ctx, a.to, log) },
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	where := "PostgreSQL"
	if cfg, err := pgx.ParseConfig(a.to); err == nil {
		where = cfg.Host + "/" + cfg.Database
	}
	_, err = fmt.Fprintf(stdout, "pushdeck: copied %d tables, %d rows from %s into %s in %.1fs (migration %d)\n%s\n",
		sum.Tables, sum.Rows, a.from, where, sum.Elapsed.Seconds(), version, keyNotice(a))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrateTarget brings the PostgreSQL database's schema to this binary's
// version through the same migrations `pushdeck migrate --db` runs.
func migrateTarget(ctx context.Context, url string, log *slog.Logger) error {
	db, err := models.Open(ctx, url)
	if err != nil {
		return err
	}
	return errors.Join(models.Migrate(ctx, db, log), models.Close(db))
}

// keyNotice says which key the copied credentials open with: they are
// copied sealed, so the PostgreSQL instances need the source's key.
func keyNotice(a copyArgs) string {
	const head = "pushdeck: provider credentials and webhook secrets were copied sealed: "
	if a.key != "" {
		return head + "start every instance on PostgreSQL with this same PUSHDECK_SECRET_KEY"
	}
	path := filepath.Join(filepath.Dir(a.from), "pushdeck.key")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return head + "they open only with the key they were sealed with, and " + path +
			" (the key file beside the SQLite database) is missing: set that key as PUSHDECK_SECRET_KEY on every instance"
	}
	return head + "set PUSHDECK_SECRET_KEY to the contents of " + path +
		" (the key file beside the SQLite database) on every instance that uses PostgreSQL, or copy that file as pushdeck.key into each instance's working directory"
}
