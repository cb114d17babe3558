package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// buildBinary compiles pushdeck once for the subprocess tests.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pushdeck")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	db := dbtest.Fresh(t)
	run := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir // where the key file goes for PostgreSQL
		cmd.Env = append(os.Environ(), "PUSHDECK_DB="+db)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"migrate", []string{"migrate"}, 0, "up to date"},
		{"admin create", []string{"admin", "create", "--email", "a@example.com", "--password", "password123"}, 0, "created administrator a@example.com"},
		{"admin short password", []string{"admin", "create", "--email", "b@example.com", "--password", "x"}, 2, "--password must be at least 8"},
		{"admin taken", []string{"admin", "create", "--email", "a@example.com", "--password", "password123"}, 2, "--email is already used"},
		{"apikey bad role", []string{"apikey", "create", "--name", "x", "--role", "root"}, 2, "--role must be admin, operator or viewer"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := run(tc.args...)
			if code != tc.wantCode || !strings.Contains(out, tc.wantOut) {
				t.Errorf("exit %d, output %q; want %d and %q", code, out, tc.wantCode, tc.wantOut)
			}
		})
	}
	t.Run("apikey create prints the key last", func(t *testing.T) {
		cmd := exec.Command(bin, "apikey", "create", "--name", "ci", "--role", "viewer", "--db", db)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "pdk_") || strings.Contains(last, " ") {
			t.Errorf("last line %q is not the bare key", last)
		}
	})
	keyDir := filepath.Dir(db) // beside a SQLite file
	if dbtest.IsPostgres() {
		keyDir = dir
	}
	if _, err := os.Stat(filepath.Join(keyDir, "pushdeck.key")); err != nil {
		t.Errorf("secret key file not generated beside the database: %v", err)
	}
}

// TestKill9LosesNothing sends a listed audience of 100,000 to the MX push
// fake, kills the real binary with SIGKILL at random moments several times,
// restarts it, and checks every recipient was pushed exactly once (a batch
// sent again carries its same request id, which the provider de-duplicates).
func TestKill9LosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for tens of seconds")
	}
	const n = 100_000
	bin := buildBinary(t)
	fake := mxfake.New(t)
	fake.SetDelay(2 * time.Millisecond)
	dbPath := dbtest.Fresh(t)
	const key = "crash-test-key"
	id := seedCampaign(t, dbPath, key, fake, n)

	env := append(os.Environ(), "PUSHDECK_DB="+dbPath, "PUSHDECK_SECRET_KEY="+key, "PUSHDECK_LOG_LEVEL=warn",
		// A restart is a new instance: the dead one's leases are released
		// once its heartbeat expires, so keep that short.
		"PUSHDECK_INSTANCE_LEASE=1s")
	var addr string
	start := func() *exec.Cmd {
		addr = freeAddr(t)
		cmd := exec.Command(bin, "serve", "--addr", addr)
		cmd.Env = env
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	kills := 0
	for range 5 {
		cmd := start()
		time.Sleep(time.Duration(150+rand.IntN(900)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait() // killed: the exit status is expected to be an error
		kills++
		if campaignStatus(t, dbPath, key, id).Status == models.StatusCompleted {
			break
		}
	}
	cmd := start()
	// A SIGTERM before the binary has set up its signal handling would
	// kill it outright: wait until it answers.
	for up := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			_ = resp.Body.Close()
			break
		}
		if time.Now().After(up) {
			t.Fatal("the restarted binary never answered /healthz")
		}
	}
	deadline := time.Now().Add(3 * time.Minute)
	var c models.Campaign
	for {
		c = campaignStatus(t, dbPath, key, id)
		if c.Status == models.StatusCompleted || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
	if c.Status != models.StatusCompleted {
		t.Fatalf("after %d kills the campaign is %s with %+v", kills, c.Status, c.Totals())
	}
	if want := (models.Totals{Recipients: n, Accepted: n}); c.Totals() != want {
		t.Errorf("totals %+v, want %+v", c.Totals(), want)
	}
	pushedBy := make(map[string]string, n)
	dups := 0
	for _, task := range fake.Tasks() {
		dups += task.Duplicates
		for _, v := range task.Values {
			if prev, ok := pushedBy[v]; ok {
				t.Fatalf("%s pushed under two request ids: %s and %s", v, prev, task.RequestID)
			}
			pushedBy[v] = task.RequestID
		}
	}
	if len(pushedBy) != n {
		t.Errorf("%d recipients pushed, want %d", len(pushedBy), n)
	}
	t.Logf("%d kills; %d batches resent with their same request id (de-duplicated by the provider)", kills, dups)
}

func openTestStore(t *testing.T, path, key string) (*models.Store, func()) {
	t.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := models.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	sealer, err := models.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return models.NewStore(db, sealer), func() {
		if err := models.Close(db); err != nil {
			t.Error(err)
		}
	}
}

func seedCampaign(t *testing.T, path, key string, fake *mxfake.Server, n int) int64 {
	t.Helper()
	// A fixed 100 requests/s spreads the 200 batches over about two
	// seconds, so the kills land while batches are in flight (a learned
	// rate would finish before the first kill).
	return seedCampaignAt(t, path, key, fake, n, 100)
}

// seedCampaignAt stores an MX push account at rate requests/s and a
// sending campaign listing n recipients.
func seedCampaignAt(t *testing.T, path, key string, fake *mxfake.Server, n int, rate float64) int64 {
	t.Helper()
	ctx := context.Background()
	store, closeDB := openTestStore(t, path, key)
	defer closeDB()
	acct, err := store.CreateProviderAccount(ctx, models.ProviderInput{Name: "mx", Kind: "mxpush", BaseURL: fake.URL(), Credentials: fake.Credentials(), RateLimit: rate})
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("token-%07d", i)
	}
	msg, _ := json.Marshal(map[string]any{"type": "notification", "title": "t", "body": "b"})
	c, _, err := store.CreateCampaign(ctx, models.NewCampaign{Name: "crash", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: vals}, Message: msg, Options: json.RawMessage(`{"error_threshold":100}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Transition(ctx, c.ID, models.StatusSending, "test", ""); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func campaignStatus(t *testing.T, path, key string, id int64) models.Campaign {
	t.Helper()
	store, closeDB := openTestStore(t, path, key)
	defer closeDB()
	c, err := store.CampaignByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
