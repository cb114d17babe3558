package main

// The account subcommands: the first administrator and API keys, made
// from the command line (a script, a container's entry point).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

func cmdAdminCreate(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	cfg := Config{SecretKey: secret(os.Getenv("PUSHDECK_SECRET_KEY"))}
	fs := flags("admin create", &cfg)
	email := fs.String("email", "", "the administrator's e-mail address")
	password := fs.String("password", "", "the password (at least 8 characters); when absent it is read from standard input or a prompt")
	if err := fs.Parse(args); err != nil {
		return &usageError{msg: err.Error()}
	}
	passwordSet := false
	fs.Visit(func(f *flag.Flag) { passwordSet = passwordSet || f.Name == "password" })
	if !passwordSet {
		pw, err := readPassword(os.Stdin, os.Stderr)
		if err != nil {
			return err
		}
		*password = pw
	}
	store, _, closeDB, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = closeDB() }() // the work is committed; a close error changes nothing
	u, err := store.CreateUser(ctx, models.NewUser{Email: *email, Password: *password, Role: models.RoleAdmin})
	if err != nil {
		return flagError(err)
	}
	if err := store.Audit(ctx, models.AuditEntry{Actor: "cli", Action: "operator_create", Target: u.Email, Detail: "admin"}); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "created administrator %s (id %d)\n", u.Email, u.ID)
	return err
}

func cmdAPIKeyCreate(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	cfg := Config{SecretKey: secret(os.Getenv("PUSHDECK_SECRET_KEY"))}
	fs := flags("apikey create", &cfg)
	name := fs.String("name", "", "a name for the key")
	role := fs.String("role", "operator", "admin, operator or viewer")
	days := fs.Int("expires-days", 0, "days until the key stops working (0: never)")
	if err := fs.Parse(args); err != nil {
		return &usageError{msg: err.Error()}
	}
	if maxDays := int(models.MaxAPIKeyLifetime / (24 * time.Hour)); *days < 0 || *days > maxDays {
		return &usageError{msg: fmt.Sprintf("--expires-days must be from 0 (never) to %d", maxDays)}
	}
	store, _, closeDB, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = closeDB() }() // as above
	k, plain, err := store.CreateExpiringAPIKey(ctx, *name, models.Role(*role), nil, time.Duration(*days)*24*time.Hour)
	if err != nil {
		return flagError(err)
	}
	if err := store.Audit(ctx, models.AuditEntry{Actor: "cli", Action: "apikey_create", Target: k.Name, Detail: string(k.Role)}); err != nil {
		return err
	}
	// The key alone on the last line, so scripts can take it with tail -n1.
	_, err = fmt.Fprintf(stdout, "created API key %q (id %d, role %s); it is shown only once:\n%s\n", k.Name, k.ID, k.Role, plain)
	return err
}
