// Package handlers holds pushdeck's HTTP layer: Gin routes for the HTML
// pages, htmx partials and the JSON API, and the middleware for sessions,
// API keys, CSRF and roles.
package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/i18n"
)

// Config tunes the HTTP layer.
type Config struct {
	// SessionTTL is how long an idle session lives.
	SessionTTL time.Duration
	// SessionMaxAge is how long a session lives at most, however busy.
	SessionMaxAge time.Duration
	// Throttle is the login-throttling policy for one account from one
	// client; a client across all accounts gets four times its failures.
	Throttle models.Throttle
	// TrustedProxies are the addresses and CIDR ranges of reverse proxies
	// whose X-Forwarded-For names the client (ParseTrustedProxies). With
	// none, the client is the connection's peer and the header is ignored,
	// so nobody can pick the address they are throttled and audited under.
	TrustedProxies []string
	// Limits bound the work of one request.
	Limits Limits
}

func (c *Config) defaults() {
	c.Limits.defaults()
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.SessionMaxAge <= 0 {
		c.SessionMaxAge = 24 * time.Hour
	}
	c.SessionTTL = min(c.SessionTTL, c.SessionMaxAge)
	if c.Throttle.MaxFailures <= 0 {
		c.Throttle = models.Throttle{MaxFailures: 5, Window: 15 * time.Minute, Lockout: time.Minute, MaxLockout: time.Hour}
	}
}

// clientThrottle is the policy for one client across all accounts: it
// stops one address trying many accounts, while someone who mistypes on a
// few accounts behind a shared address is not locked out.
func (c *Config) clientThrottle() models.Throttle {
	p := c.Throttle
	p.MaxFailures *= 4
	return p
}

// ParseTrustedProxies reads a comma-separated list of IP addresses and
// CIDR ranges (PUSHDECK_TRUSTED_PROXIES); empty means none.
func ParseTrustedProxies(list string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return nil, fmt.Errorf("trusted proxy %q is neither an IP address nor a CIDR range", p)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// Params are the dependencies of New.
type Params struct {
	Store  *models.Store
	Engine *dispatch.Engine
	// Webhooks is woken when a test event is queued; nil leaves the
	// event to the worker's next look (tests without a worker).
	Webhooks *dispatch.Webhooks
	Registry providers.Registry
	Catalog  *i18n.Catalog
	Log      *slog.Logger
	Config   Config
	// Context is the server's lifetime: work the pages start in the
	// background (CSV imports) stops when it ends. Nil means none.
	Context context.Context
	// Instance is this process's id among the instances sharing the
	// database (the engine's Owner): the CSV imports it runs carry it.
	// Empty means a random one.
	Instance string
}

// Server is the HTTP layer.
type Server struct {
	store  *models.Store
	engine *dispatch.Engine
	hooks  *dispatch.Webhooks
	reg    providers.Registry
	cat    *i18n.Catalog
	log    *slog.Logger
	cfg    Config
	gin    *gin.Engine
	// setupToken is what first-run setup asks for (SetupToken).
	setupToken string
	// imports tracks the CSV imports running in the background.
	imports *importer
	// previews bounds the audience counts running at once.
	previews previewGate
}

// New builds the server and its route table.
func New(p Params) *Server {
	p.Config.defaults()
	if p.Log == nil {
		p.Log = slog.Default()
	}
	s := &Server{store: p.Store, engine: p.Engine, hooks: p.Webhooks, reg: p.Registry, cat: p.Catalog, log: p.Log, cfg: p.Config, setupToken: newSetupToken()}
	if p.Context == nil {
		p.Context = context.Background()
	}
	if p.Instance == "" {
		p.Instance = "srv-" + rand.Text()[:10]
	}
	s.imports = newImporter(p.Context, p.Store, p.Log, p.Instance)
	s.previews = newPreviewGate(p.Config.Limits.Previews)
	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	g.HandleMethodNotAllowed = true
	// gin trusts every peer's X-Forwarded-For unless told otherwise.
	if err := g.SetTrustedProxies(p.Config.TrustedProxies); err != nil {
		p.Log.Error("trusted proxies refused; trusting none", slog.Any("error", err))
		if err := g.SetTrustedProxies(nil); err != nil {
			p.Log.Error("trust no proxy", slog.Any("error", err))
		}
	}
	g.Use(s.releaseForms(), s.securityHeaders(), s.recoverer(), s.requestLog())
	g.NoRoute(s.notFound)
	g.NoMethod(s.notFound)
	s.gin = g
	s.register(g)
	return s
}

// Wait waits for the background work the pages started (CSV imports) to
// stop, as it does once Params.Context ends.
func (s *Server) Wait() { s.imports.wg.Wait() }

// Handler is the whole HTTP handler: Go's cross-origin protection (it
// rejects cross-site state-changing browser requests by Sec-Fetch-Site /
// Origin) in front of the Gin engine, whose page routes also check a
// per-session CSRF token.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	return cop.Handler(s.gin)
}
