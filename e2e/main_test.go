package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Set once by TestMain, read by every test.
var (
	// chromiumPath is the browser, "" when none is installed.
	chromiumPath string
	// binaryPath is the pushdeck binary built for this run.
	binaryPath string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	chromiumPath = findChromium()
	// Read so the test cache notices a change to the binary's main package
	// (see deps_test.go for the other packages).
	if _, err := os.ReadFile(filepath.Join("..", "main.go")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	// The binary is built whether or not a browser is installed: the API
	// journeys drive it without one.
	{
		dir, err := os.MkdirTemp("", "pushdeck-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		defer func() { _ = os.RemoveAll(dir) }() // a temp dir; nothing to keep
		binaryPath = filepath.Join(dir, "pushdeck")
		// The module root is the parent of this package's directory,
		// where `go test` runs the test binary.
		cmd := exec.Command(goTool(), "build", "-o", binaryPath, "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: go build: %v\n%s", err, out)
			return 1
		}
	}
	return m.Run()
}

// findChromium looks for the browser: $PUSHDECK_CHROMIUM when set (a path
// that does not exist counts as no browser), else Debian's
// /usr/bin/chromium or chromium on the PATH.
func findChromium() string {
	if p, ok := os.LookupEnv("PUSHDECK_CHROMIUM"); ok {
		if fileExists(p) {
			return p
		}
		return ""
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// goTool is the go command that runs this test, which `go test` puts on
// the PATH through GOROOT/bin when it is not there already.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// inCI reports whether the tests run in CI, where a missing browser is a
// failure rather than a reason to skip.
func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "0" && v != "false"
}

// requireBrowser skips (locally) or fails (in CI) a test that needs
// chromium when none is installed.
func requireBrowser(t *testing.T) {
	t.Helper()
	if chromiumPath != "" {
		return
	}
	if inCI() {
		t.Fatal("chromium is not installed: CI must run .ci/install-chromium (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); set PUSHDECK_CHROMIUM to use another path")
}
