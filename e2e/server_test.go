package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models/dbtest"
)

// server is the real pushdeck binary serving a temporary database on a
// free loopback port.
type server struct {
	t   testing.TB
	URL string
	db  string
	env []string
	log *syncBuffer
	cmd *exec.Cmd
	// artifacts is where the log and screenshots go (t.ArtifactDir).
	artifacts string
}

// syncBuffer collects the server's log from its output goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newServer prepares a server; run CLI commands with cli, then start it.
func newServer(t testing.TB) *server {
	t.Helper()
	// Asked for first, so the server's cleanup (which writes its log
	// here) runs before the directory's own.
	art := t.ArtifactDir()
	t.Logf("screenshots and server log: %s", art)
	return &server{t: t, db: dbtest.Fresh(t), log: &syncBuffer{}, artifacts: art,
		env: append(os.Environ(), "PUSHDECK_SECRET_KEY=e2e-secret-key-not-for-production", "PUSHDECK_LOG_LEVEL=INFO")}
}

// cli runs a subcommand (admin create, apikey create) on the server's
// database and returns the last line of its output.
func (s *server) cli(args ...string) string {
	s.t.Helper()
	cmd := exec.Command(binaryPath, append(args, "--db", s.db)...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("pushdeck %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// start runs `pushdeck serve` and waits for /healthz.
func (s *server) start() {
	s.t.Helper()
	addr := freeAddr(s.t)
	s.URL = "http://" + addr
	s.cmd = exec.Command(binaryPath, "serve", "--addr", addr, "--db", s.db)
	s.cmd.Env = s.env
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	s.t.Cleanup(func() { s.stop(exited) })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			s.t.Fatalf("pushdeck exited at start: %v\n%s", err, s.log.String())
		default:
		}
		if resp, err := http.Get(s.URL + "/healthz"); err == nil {
			_ = resp.Body.Close() // only the status matters
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("pushdeck did not answer /healthz within 20s\n%s", s.log.String())
}

// stop ends the server as an operator would (SIGTERM, graceful), and
// kills it if it does not stop in time. The log is kept as an artifact.
func (s *server) stop(exited chan error) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM) // it may have exited already
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill() // did not stop gracefully; the test reports it below
		<-exited
		s.t.Error("pushdeck did not stop within 15s of SIGTERM")
	}
	if err := os.WriteFile(filepath.Join(s.artifacts, "server.log"), []byte(s.log.String()), 0o644); err != nil {
		s.t.Log(err)
	}
}

// setupTokenLine is how `pushdeck serve` prints the first-run setup token
// on standard output while no operator exists.
var setupTokenLine = regexp.MustCompile(`(?m)^setup token: (\S+)$`)

// setupToken reads the token first-run setup asks for from the server's
// output, as the person installing it would.
func (s *server) setupToken() string {
	s.t.Helper()
	m := setupTokenLine.FindStringSubmatch(s.log.String())
	if m == nil {
		s.t.Fatalf("the server printed no setup token\n%s", s.logTail())
	}
	return m[1]
}

// logTail is the end of the server's log, for failure messages.
func (s *server) logTail() string {
	l := s.log.String()
	if len(l) > 3000 {
		l = "…" + l[len(l)-3000:]
	}
	return l
}

// freeAddr finds a free loopback port. The port is released before the
// server binds it; on a test machine nothing else races for it.
func freeAddr(t testing.TB) string {
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

// api calls the JSON API with a bearer key and decodes the answer into out
// (when not nil); it returns the status.
func (s *server) api(method, path, key string, body any, out any) int {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	code, raw := s.apiRaw(10*time.Second, method, path, key, rd)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: %d %s: %v", method, path, code, raw, err)
		}
	}
	return code
}

// apiRaw sends an API request with a bearer key, giving up after timeout,
// and returns the status and the whole body.
func (s *server) apiRaw(timeout time.Duration, method, path, key string, body io.Reader) (int, []byte) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read fully below
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// adminAndKey creates an administrator and an operator API key through the
// CLI, before the server starts, as a deployment script would.
func (s *server) adminAndKey(email, password string) string {
	s.t.Helper()
	s.cli("admin", "create", "--email", email, "--password", password)
	key := s.cli("apikey", "create", "--name", "e2e", "--role", "operator")
	if !strings.HasPrefix(key, "pdk_") {
		s.t.Fatalf("apikey create printed %q", key)
	}
	return key
}

// createCampaign makes a draft through the API and returns its id.
func (s *server) createCampaign(key, name string) int64 {
	s.t.Helper()
	var out struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{"name": name, "provider_id": 1, "audience": map[string]any{"kind": "all"},
		"message": map[string]any{"type": "notification", "title": "Hello", "body": "From the API"}}
	if code := s.api(http.MethodPost, "/api/v1/campaigns", key, body, &out); code != http.StatusCreated {
		s.t.Fatalf("create campaign: %d", code)
	}
	return out.ID
}

// campaignStatus reads a campaign's status through the API.
func (s *server) campaignStatus(key string, id int64) string {
	s.t.Helper()
	var out struct {
		Status string `json:"status"`
	}
	if code := s.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", id), key, nil, &out); code != http.StatusOK {
		s.t.Fatalf("get campaign: %d", code)
	}
	return out.Status
}
