package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models/dbtest"
)

// TestLostKeyFileRefusesToStart: once the database holds sealed
// credentials, a missing key file is not silently replaced by a new key;
// the flag starts anyway and the new key is kept from then on.
func TestLostKeyFileRefusesToStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dbtest.SkipOnPostgres(t, "the key file is made beside the SQLite file")
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "key.db")
	keyFile := filepath.Join(dir, "pushdeck.key")
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--db", db)...)
		cmd.Env = append(os.Environ(), "PUSHDECK_SECRET_KEY=")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	if out, code := run("migrate"); code != 0 {
		t.Fatalf("first start: %d %s", code, out)
	}
	first, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	out, code := run("migrate")
	if code == 0 || !strings.Contains(out, "key file") || !strings.Contains(out, "--allow-unreadable-secrets") {
		t.Fatalf("start without the key file: exit %d, output %q; want a refusal naming the file and the flag", code, out)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Error("a refused start wrote a new key file")
	}
	if out, code := run("migrate", "--allow-unreadable-secrets"); code != 0 {
		t.Fatalf("start with the flag: %d %s", code, out)
	}
	second, err := os.ReadFile(keyFile)
	if err != nil || string(second) == string(first) {
		t.Fatalf("new key file: %v", err)
	}
	if out, code := run("migrate"); code != 0 {
		t.Fatalf("restart with the adopted key: %d %s", code, out)
	}
}
