package models

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Pool sizes on PostgreSQL. Unlike SQLite, the server runs writers in
// parallel, so the write pool is sized for the engine's workers plus the
// HTTP handlers; the read pool takes the lists and exports. Together they
// stay well under the server's default max_connections (100), leaving room
// for a second instance.
const (
	pgWriteConns = 24
	pgReadConns  = 8
)

// IsPostgresURL reports whether dsn names a PostgreSQL database rather
// than a SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// ShowDSN is dsn as logs may show it: a PostgreSQL URL without its
// password, a file path as it is.
func ShowDSN(dsn string) string {
	if !IsPostgresURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…" // unparsable: it may hold a password anywhere
	}
	return u.Redacted()
}

// openPostgres opens a pool of up to conns connections. Sessions run in
// UTC and times scan as UTC, so values read back compare equal to what
// SQLite returns. A failure names the host, the database and the driver's
// reason in one line, and never the password.
func openPostgres(ctx context.Context, dsn string, conns int) (*gorm.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("models: open PostgreSQL: the URL is not valid: %s", parseReason(err))
	}
	where := fmt.Sprintf("PostgreSQL database %q on %s", cfg.Database, net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)))
	cfg.RuntimeParams["timezone"] = "UTC"
	pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}))
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: pool}), &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                pgNow,
		SkipDefaultTransaction: true,
		TranslateError:         true,
	})
	if err != nil {
		_ = pool.Close() // the open error is the one worth returning
		return nil, fmt.Errorf("models: open %s: %s", where, connectReason(err))
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.PingContext(pingCtx); err != nil {
		_ = pool.Close() // as above
		return nil, fmt.Errorf("models: open %s: %s", where, connectReason(err))
	}
	return db, nil
}

// parseReason is pgx's reason for refusing a URL without the URL itself:
// pgx redacts the password only on a best-effort basis.
func parseReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		msg = msg[i+3:]
	}
	return msg
}

// connectReason is the driver's reason a connection failed, without pgx's
// prefixes (which repeat the user, host and database the caller names):
// the server's message for a refusal (wrong password, no such database),
// the network error for an unreachable host.
func connectReason(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Op + ": " + opErr.Err.Error()
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer within 15 seconds"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		msg = msg[i+3:]
	}
	return strings.ReplaceAll(msg, "\n", " ")
}
