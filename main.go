// Command pushdeck is a self-hosted web console for mobile push campaigns.
//
//	pushdeck [serve] [--addr :8080] [--db pushdeck.db] [--trusted-proxies LIST]
//	pushdeck migrate [--db …]
//	pushdeck migrate --from FILE.db --to postgres://…   (copies a SQLite database into an empty PostgreSQL one)
//	pushdeck admin create --email E [--password P] [--db …]   (the password from stdin or a prompt when absent)
//	pushdeck apikey create --name N [--role admin|operator|viewer] [--expires-days D] [--db …]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/handlers"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/apns"
	"github.com/pushdeck/pushdeck/providers/fcm"
	"github.com/pushdeck/pushdeck/providers/getui"
	"github.com/pushdeck/pushdeck/providers/jpush"
	"github.com/pushdeck/pushdeck/providers/mxpush"
	"github.com/pushdeck/pushdeck/providers/sandbox"
	"github.com/pushdeck/pushdeck/providers/wecom"
	"github.com/pushdeck/pushdeck/web/i18n"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel(os.Getenv("PUSHDECK_LOG_LEVEL"))}))
	if err := run(ctx, os.Args[1:], os.Stdout, log); err != nil {
		stop()
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "pushdeck:", ue.msg)
			os.Exit(2)
		}
		log.Error("pushdeck", slog.Any("error", err))
		os.Exit(1)
	}
}

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// Config is the parsed command line and environment. Flags override
// PUSHDECK_* variables.
type Config struct {
	Addr      string
	DB        string
	SecretKey secret
	// AllowUnreadableSecrets starts with a key that does not open the
	// stored credentials (a lost key file): they must be typed again.
	AllowUnreadableSecrets bool
	// TrustedProxies is PUSHDECK_TRUSTED_PROXIES / --trusted-proxies: the
	// reverse proxies whose X-Forwarded-For is believed (none by default).
	TrustedProxies string
}

// secret keeps a key out of logs.
type secret string

// LogValue implements slog.LogValuer.
func (secret) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// usageError is a command-line mistake: printed with usage, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

const usage = `usage:
  pushdeck [serve] [--addr :8080] [--db pushdeck.db] [--trusted-proxies LIST]
  pushdeck migrate [--db pushdeck.db]
  pushdeck migrate --from pushdeck.db --to postgres://user:pass@host/db
      (copies the SQLite database into an empty PostgreSQL database; the SQLite file is only read)
  pushdeck admin create --email E [--password P] [--db pushdeck.db]
      (without --password the password is read from standard input, or a prompt)
  pushdeck apikey create --name N [--role admin|operator|viewer] [--expires-days D] [--db pushdeck.db]
environment: PUSHDECK_ADDR, PUSHDECK_DB, PUSHDECK_SECRET_KEY, PUSHDECK_LOG_LEVEL, PUSHDECK_RETENTION_DAYS,
  PUSHDECK_TRUSTED_PROXIES, PUSHDECK_INSTANCE_LEASE`

func run(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stdout, log)
	case "migrate":
		return cmdMigrate(ctx, args, stdout, os.Stderr, log)
	case "admin", "apikey":
		if len(args) == 0 || args[0] != "create" {
			return &usageError{msg: fmt.Sprintf("%s: expected \"create\"\n%s", cmd, usage)}
		}
		if cmd == "admin" {
			return cmdAdminCreate(ctx, args[1:], stdout, log)
		}
		return cmdAPIKeyCreate(ctx, args[1:], stdout, log)
	case "help", "-h", "--help":
		_, err := fmt.Fprintln(stdout, usage)
		return err
	}
	return &usageError{msg: fmt.Sprintf("unknown command %q\n%s", cmd, usage)}
}

// flags builds a subcommand's flag set with the common --db flag.
func flags(name string, cfg *Config) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&cfg.DB, "db", envOr("PUSHDECK_DB", "pushdeck.db"), "SQLite database file, or a postgres:// URL (env PUSHDECK_DB)")
	fs.BoolVar(&cfg.AllowUnreadableSecrets, "allow-unreadable-secrets", false,
		"start although the secret key does not open the stored credentials (they must be typed again; this key is kept)")
	return fs
}

// openStore opens and migrates the database and builds the store with the
// credentials key (PUSHDECK_SECRET_KEY, else pushdeck.key beside the DB),
// refusing a key that does not open what the database holds.
// It also returns the read pool (where background checkpoints run, so they
// never occupy the single write connection) and a function that closes both
// pools.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*models.Store, *gorm.DB, func() error, error) {
	db, err := models.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := models.Migrate(ctx, db, log); err != nil {
		_ = models.Close(db) // the migration error is the one to report
		return nil, nil, nil, err
	}
	sealer, err := models.OpenSealer(ctx, db, models.KeySource{Env: string(cfg.SecretKey),
		Path: keyPath(cfg.DB), AllowUnreadable: cfg.AllowUnreadableSecrets}, log)
	if err != nil {
		_ = models.Close(db) // as above
		return nil, nil, nil, err
	}
	rdb, err := models.OpenReader(ctx, cfg.DB)
	if err != nil {
		_ = models.Close(db) // as above
		return nil, nil, nil, err
	}
	closeAll := func() error { return errors.Join(models.Close(rdb), models.Close(db)) }
	store := models.NewStore(db, sealer).WithReader(rdb)
	if n, err := store.ResealCredentials(ctx); err != nil {
		_ = closeAll() // as above
		return nil, nil, nil, err
	} else if n > 0 {
		log.Info("credentials sealed again, bound to their accounts", slog.Int("accounts", n))
	}
	if err := store.EnsureFirstAccount(ctx, models.ProviderInput{Name: "Sandbox", Kind: string(providers.KindSandbox), Credentials: []byte(`{}`)}); err != nil {
		_ = closeAll() // as above
		return nil, nil, nil, err
	}
	return store, rdb, closeAll, nil
}

// keyPath is where the credentials key file lives when
// PUSHDECK_SECRET_KEY is unset: beside a SQLite file, or in the working
// directory for a PostgreSQL URL (several instances sharing one database
// need the same key, so give them PUSHDECK_SECRET_KEY).
func keyPath(dsn string) string {
	if models.IsPostgresURL(dsn) {
		return "pushdeck.key"
	}
	return filepath.Join(filepath.Dir(dsn), "pushdeck.key")
}

// Registry is every provider kind pushdeck speaks, built explicitly.
func Registry() providers.Registry {
	return providers.Registry{
		providers.KindSandbox: sandbox.Spec(),
		providers.KindGeTui:   getui.Spec(),
		providers.KindMXPush:  mxpush.Spec(),
		providers.KindWeCom:   wecom.Spec(),
		apns.Kind:             apns.Spec(),
		jpush.Kind:            jpush.Spec(),
		fcm.Kind:              fcm.Spec(),
	}
}

func cmdServe(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	cfg := Config{SecretKey: secret(os.Getenv("PUSHDECK_SECRET_KEY"))}
	fs := flags("serve", &cfg)
	fs.StringVar(&cfg.Addr, "addr", envOr("PUSHDECK_ADDR", ":8080"), "listen address (env PUSHDECK_ADDR)")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", os.Getenv("PUSHDECK_TRUSTED_PROXIES"),
		"comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For is believed (env PUSHDECK_TRUSTED_PROXIES)")
	if err := fs.Parse(args); err != nil {
		return &usageError{msg: err.Error()}
	}
	proxies, err := handlers.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return &usageError{msg: "PUSHDECK_TRUSTED_PROXIES: " + err.Error()}
	}
	store, rdb, closeDB, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := closeDB(); err != nil {
			log.Error("close database", slog.Any("error", err))
		}
	}()
	cat, err := i18n.New()
	if err != nil {
		return err
	}
	retention, err := retentionFromEnv()
	if err != nil {
		return err
	}
	lease, err := instanceLeaseFromEnv()
	if err != nil {
		return err
	}
	// Every process is an instance of its own: several may share the
	// database, each sending, one leading (dispatch.Engine.Run). The
	// webhook worker claims outbox rows with leases under the same id, so
	// it runs on every instance too, and the leader releases a dead one's.
	id := instanceID()
	ecfg := dispatch.Config{Owner: id, Retention: retention, InstanceLease: lease}
	if models.IsPostgresURL(cfg.DB) {
		// LISTEN/NOTIFY wakes the other instances at once; on SQLite they
		// find new work at their idle polls.
		ecfg.Notifier = models.NewPGNotifier(cfg.DB, store.DB(), log)
	}
	engine := dispatch.New(store, Registry(), ecfg, log)
	webhooks := dispatch.NewWebhooks(store, dispatch.WebhookConfig{Owner: id}, log)
	if err := webhooks.RegisterMetrics(engine.Metrics()); err != nil {
		return err
	}
	// The engine, the background jobs and the imports pages start run
	// until the HTTP server has finished its in-flight requests.
	engineCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	srv := handlers.New(handlers.Params{Store: store, Engine: engine, Webhooks: webhooks, Registry: Registry(), Catalog: cat, Log: log,
		Config: handlers.Config{TrustedProxies: proxies}, Context: engineCtx, Instance: id})
	hs := srv.HTTPServer(cfg.Addr)
	if err := announceSetup(ctx, store, srv, stdout, log); err != nil {
		stopEngine()
		return err
	}

	var wg sync.WaitGroup
	wg.Go(func() { engine.Run(engineCtx) })
	wg.Go(func() { webhooks.Run(engineCtx) })
	wg.Go(func() { models.RunCheckpoints(engineCtx, rdb, 2*time.Second, log) })
	wg.Go(func() { srv.RunHousekeeping(engineCtx, time.Hour) })
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	log.Info("pushdeck listening", slog.String("addr", cfg.Addr), slog.String("db", models.ShowDSN(cfg.DB)), slog.String("instance", id))

	select {
	case err := <-errc:
		stopEngine()
		wg.Wait()
		srv.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		log.Error("http shutdown", slog.Any("error", err))
	}
	stopEngine()
	wg.Wait()
	srv.Wait() // the imports stop with engineCtx; the database closes after them
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// retentionFromEnv reads PUSHDECK_RETENTION_DAYS (default 90): how long
// delivery rows of finished campaigns are kept.
func retentionFromEnv() (time.Duration, error) {
	raw := os.Getenv("PUSHDECK_RETENTION_DAYS")
	if raw == "" {
		return 90 * 24 * time.Hour, nil
	}
	days, err := strconv.Atoi(raw)
	if err != nil || days < 1 || days > 3650 {
		return 0, &usageError{msg: "PUSHDECK_RETENTION_DAYS must be a whole number of days from 1 to 3650"}
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

// flagError turns a validation error into a usage error naming the flag,
// in English from the catalog; other errors pass through.
func flagError(err error) error {
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	cat, cerr := i18n.New()
	if cerr != nil {
		return errors.Join(err, cerr)
	}
	loc := cat.Localizer("en")
	msgs := make([]string, 0, len(ve.Fields))
	for f, fe := range ve.Fields {
		msgs = append(msgs, fmt.Sprintf("--%s %s", f, loc.T(fe.ID, fe.Data)))
	}
	sort.Strings(msgs)
	return &usageError{msg: strings.Join(msgs, "; ")}
}

// announceSetup prints the first-run setup token while no operator exists:
// /setup asks for it, so only someone who can read this server's output
// can create the first administrator.
func announceSetup(ctx context.Context, store *models.Store, srv *handlers.Server, stdout io.Writer, log *slog.Logger) error {
	n, err := store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if err := srv.ShareSetupToken(ctx); err != nil {
		return err
	}
	log.Warn("no operator yet: /setup asks for the setup token printed on standard output", slog.String("setup_token", srv.SetupToken()))
	if _, err := fmt.Fprintf(stdout, "pushdeck: no operator yet; open /setup and enter this setup token:\nsetup token: %s\n", srv.SetupToken()); err != nil {
		return fmt.Errorf("print setup token: %w", err)
	}
	return nil
}
