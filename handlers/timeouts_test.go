package handlers

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// serveWith runs the app's handler on the http.Server HTTPServer builds
// (with its timeouts) and returns its address.
func serveWith(t *testing.T, app *testApp) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := app.srv.HTTPServer("")
	go func() {
		if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() { _ = hs.Close() })
	return l.Addr().String()
}

// TestTricklingBodyIsCutOff: a POST whose body arrives a byte at a time
// loses its connection once the read timeout passes, long before the body
// would be complete.
func TestTricklingBodyIsCutOff(t *testing.T) {
	app := newTestAppWith(t, func(c *Config) { c.Limits.ReadTimeout = 300 * time.Millisecond })
	addr := serveWith(t, app)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const size = 400
	if _, err := fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", size); err != nil {
		t.Fatal(err)
	}
	// At one byte every 25 ms the body would take 10 s.
	cut := make(chan struct{})
	go func() {
		defer close(cut)
		_, _ = bufio.NewReader(conn).ReadString(0) // returns when the server closes (after any answer)
	}()
	for i := range size {
		select {
		case <-cut:
			if i == size {
				t.Fatal("the whole body went through")
			}
			return
		case <-time.After(25 * time.Millisecond):
		}
		if _, err := conn.Write([]byte("e")); err != nil {
			return // the server closed the connection
		}
	}
	t.Fatalf("the server still read the trickled body after %d bytes", size)
}

// TestSlowRoutesGetLonger: an import may take longer to arrive than the
// server's read timeout; its route's own deadline holds instead.
func TestSlowRoutesGetLonger(t *testing.T) {
	app := newTestAppWith(t, func(c *Config) { c.Limits.ReadTimeout = 300 * time.Millisecond })
	key := app.apiKey("operator")
	addr := serveWith(t, app)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "cid\nslow-1\nslow-2\n"
	if _, err := fmt.Fprintf(conn, "POST /api/v1/devices/import?provider_id=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n", key, len(body)); err != nil {
		t.Fatal(err)
	}
	for i := range len(body) {
		time.Sleep(60 * time.Millisecond) // ≈1.1 s in all, past the 300 ms read timeout
		if _, err := conn.Write([]byte{body[i]}); err != nil {
			t.Fatalf("cut off after %d bytes: %v", i, err)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
