package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models/dbtest"
)

// TestAdminCreateReadsThePasswordFromStdin: without --password the
// password comes from standard input, so it never shows in the process
// list; --password still works for scripts.
func TestAdminCreateReadsThePasswordFromStdin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	db := dbtest.Fresh(t)
	const key = "password-test-key"
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"admin", "create", "--db", db}, args...)...)
		cmd.Env = append(os.Environ(), "PUSHDECK_SECRET_KEY="+key)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("s3cret-from-stdin\n", "--email", "piped@example.com"); err != nil {
		t.Fatalf("admin create with the password on stdin: %v\n%s", err, out)
	}
	if out, err := run("", "--email", "flag@example.com", "--password", "s3cret-from-flag"); err != nil {
		t.Fatalf("admin create --password: %v\n%s", err, out)
	}
	if out, err := run("short\n", "--email", "short@example.com"); err == nil || !strings.Contains(out, "--password must be at least 8") {
		t.Errorf("a short password on stdin: %v %q", err, out)
	}
	store, closeDB := openTestStore(t, db, key)
	defer closeDB()
	for email, pw := range map[string]string{"piped@example.com": "s3cret-from-stdin", "flag@example.com": "s3cret-from-flag"} {
		if _, err := store.Authenticate(context.Background(), email, pw); err != nil {
			t.Errorf("%s cannot sign in with the password given: %v", email, err)
		}
	}
}
