package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/getui"
	"github.com/pushdeck/pushdeck/providers/mxpush"
	"github.com/pushdeck/pushdeck/providers/sandbox"
	"github.com/pushdeck/pushdeck/providers/wecom"
	"github.com/pushdeck/pushdeck/web/i18n"
)

// testApp is a real server on a real SQLite file in a temp dir, with the
// engine running, served over real HTTP.
type testApp struct {
	t      testing.TB
	store  *models.Store
	engine *dispatch.Engine
	srv    *Server
	ts     *httptest.Server
}

func testRegistry() providers.Registry {
	return providers.Registry{
		providers.KindSandbox: sandbox.Spec(),
		providers.KindGeTui:   getui.Spec(),
		providers.KindMXPush:  mxpush.Spec(),
		providers.KindWeCom:   wecom.Spec(),
	}
}

// newTestApp builds the whole stack. The engine polls fast so tests see
// progress within a second or two.
func newTestApp(t testing.TB) *testApp {
	t.Helper()
	return newTestAppWith(t, func(*Config) {})
}

// newTestAppWith is newTestApp with the HTTP layer's Config adjusted.
func newTestAppWith(t testing.TB, adjust func(*Config)) *testApp {
	t.Helper()
	return newTestAppReg(t, testRegistry(), adjust)
}

// newTestAppReg is newTestAppWith with its own provider registry (a kind
// registered only in the test).
func newTestAppReg(t testing.TB, reg providers.Registry, adjust func(*Config)) *testApp {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	db, rdb := dbtest.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sealer, err := models.NewSealer("test-secret-key")
	if err != nil {
		t.Fatal(err)
	}
	store := models.NewStore(db, sealer).WithReader(rdb)
	if err := store.EnsureFirstAccount(ctx, models.ProviderInput{Name: "Sandbox", Kind: string(providers.KindSandbox), Credentials: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	// The engine heartbeats as the instance whose imports the server runs,
	// as in `pushdeck serve`.
	const instance = "test-instance"
	eng := dispatch.New(store, reg, dispatch.Config{Owner: instance, Idle: 20 * time.Millisecond, PollEvery: 200 * time.Millisecond,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond}, log)
	cfg := Config{Throttle: models.Throttle{MaxFailures: 3, Window: time.Minute, Lockout: time.Minute}}
	adjust(&cfg)
	srv := New(Params{Store: store, Engine: eng, Registry: reg, Catalog: cat, Log: log, Config: cfg, Instance: instance})
	ts := httptest.NewServer(srv.Handler())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	t.Cleanup(func() {
		ts.Close()
		cancel()
		<-done
	})
	return &testApp{t: t, store: store, engine: eng, srv: srv, ts: ts}
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests can assert them.
type browser struct {
	app  *testApp
	c    *http.Client
	csrf string
}

func (a *testApp) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return &browser{app: a, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do sends a request; for pages it remembers the CSRF token it sees.
func (b *browser) do(method, path string, form url.Values, hdr map[string]string) (*http.Response, string) {
	b.app.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.app.ts.URL+path, body)
	if err != nil {
		b.app.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.app.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.app.t.Fatal(err)
	}
	if m := csrfRe.FindSubmatch(raw); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(raw)
}

func (b *browser) get(path string) (*http.Response, string) {
	return b.do(http.MethodGet, path, nil, nil)
}

// post submits a form with the current CSRF token.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.app.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if b.csrf == "" {
		b.get("/settings")
	}
	form.Set("csrf_token", b.csrf)
	return b.do(http.MethodPost, path, form, nil)
}

// setupAdmin runs first-run setup and leaves the browser signed in.
func (b *browser) setupAdmin(email, password string) {
	b.app.t.Helper()
	resp, body := b.do(http.MethodPost, "/setup", url.Values{"setup_token": {b.app.srv.SetupToken()}, "email": {email}, "password": {password}, "password_confirm": {password}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		b.app.t.Fatalf("setup: status %d: %s", resp.StatusCode, body)
	}
	b.get("/")
}

// login signs in through the form.
func (b *browser) login(email, password string) *http.Response {
	b.app.t.Helper()
	resp, _ := b.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {password}}, nil)
	b.get("/")
	return resp
}

// createUser adds an operator directly in the store.
func (a *testApp) createUser(email string, role models.Role) {
	a.t.Helper()
	if _, err := a.store.CreateUser(context.Background(), models.NewUser{Email: email, Password: "password123", Role: role}); err != nil {
		a.t.Fatal(err)
	}
}

// apiKey creates a key with a role and returns it.
func (a *testApp) apiKey(role models.Role) string {
	a.t.Helper()
	_, plain, err := a.store.CreateAPIKey(context.Background(), "test-"+string(role), role, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return plain
}

// apiDo sends a JSON API request with a bearer key ("" for none).
func (a *testApp) apiDo(method, path, key, body string, hdr map[string]string) (*http.Response, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.ts.URL+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp, string(raw)
}

// doc parses HTML for goquery assertions.
func doc(t *testing.T, html string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
