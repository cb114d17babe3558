package models

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models/internal/freshdb"
)

// TestOpenPostgresFailsInOneLine: a PostgreSQL URL that cannot be used
// fails Open with one line naming the host, the database and the driver's
// reason, never the password. The cases needing a live server (a wrong
// password, a missing database) run when PUSHDECK_TEST_DB names one.
func TestOpenPostgresFailsInOneLine(t *testing.T) {
	const pw = "s3cret-pw"
	type openCase struct {
		name, dsn string
		want      []string
	}
	cases := []openCase{
		{"garbage", "postgres://u:" + pw + "@localhost:notaport/db", []string{"not valid", "invalid port"}},
		{"refused port", "postgres://u:" + pw + "@127.0.0.1:1/pushdeck_x?sslmode=disable", []string{`"pushdeck_x"`, "127.0.0.1:1", "connection refused"}},
		{"unknown host", "postgres://u:" + pw + "@nohost.invalid:5432/pushdeck_x?sslmode=disable&connect_timeout=5", []string{`"pushdeck_x"`, "nohost.invalid:5432", "no such host"}},
	}
	if freshdb.IsPostgres() {
		server, err := url.Parse(os.Getenv(freshdb.EnvURL))
		if err != nil {
			t.Fatal(err)
		}
		wrongPW := *server
		wrongPW.User = url.UserPassword(server.User.Username(), pw)
		missing := *server
		missing.Path = "/pushdeck_no_such_db"
		cases = append(cases,
			openCase{"wrong password", wrongPW.String(), []string{server.Host, "password authentication failed"}},
			openCase{"missing database", missing.String(), []string{`"pushdeck_no_such_db"`, "does not exist"}},
		)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, err := Open(context.Background(), c.dsn)
			if err == nil {
				_ = Close(db) // the test has failed already; the pool is not needed
				t.Fatal("opened")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || strings.Contains(msg, pw) {
				t.Errorf("error %q: want one line without the password", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
		})
	}
}

// TestShowDSNHidesThePassword: logs show a PostgreSQL URL without its
// password, and a file path as it is.
func TestShowDSNHidesThePassword(t *testing.T) {
	if got := ShowDSN("postgres://u:s3cret@db:5432/p"); strings.Contains(got, "s3cret") || !strings.Contains(got, "db:5432/p") {
		t.Errorf("ShowDSN = %q", got)
	}
	if got := ShowDSN("/var/lib/pushdeck.db"); got != "/var/lib/pushdeck.db" {
		t.Errorf("ShowDSN = %q", got)
	}
}
