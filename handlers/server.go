// Package handlers holds pushdeck's HTTP layer: Gin routes for the HTML
// pages, htmx partials and the JSON API, and the middleware for sessions,
// API keys, CSRF and roles.
package handlers

import (
	"log/slog"
	"net/http"
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
	// Throttle is the login-throttling policy.
	Throttle models.Throttle
}

func (c *Config) defaults() {
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.Throttle.MaxFailures <= 0 {
		c.Throttle = models.Throttle{MaxFailures: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
	}
}

// Params are the dependencies of New.
type Params struct {
	Store    *models.Store
	Engine   *dispatch.Engine
	Registry providers.Registry
	Catalog  *i18n.Catalog
	Log      *slog.Logger
	Config   Config
}

// Server is the HTTP layer.
type Server struct {
	store  *models.Store
	engine *dispatch.Engine
	reg    providers.Registry
	cat    *i18n.Catalog
	log    *slog.Logger
	cfg    Config
	gin    *gin.Engine
	// imports tracks the CSV imports running in the background.
	imports *importer
}

// New builds the server and its route table.
func New(p Params) *Server {
	p.Config.defaults()
	if p.Log == nil {
		p.Log = slog.Default()
	}
	s := &Server{store: p.Store, engine: p.Engine, reg: p.Registry, cat: p.Catalog, log: p.Log, cfg: p.Config}
	s.imports = newImporter(p.Store, p.Log)
	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	g.HandleMethodNotAllowed = true
	g.Use(s.recoverer(), s.requestLog())
	g.NoRoute(s.notFound)
	g.NoMethod(s.notFound)
	s.gin = g
	s.register(g)
	return s
}

// Handler is the whole HTTP handler: Go's cross-origin protection (it
// rejects cross-site state-changing browser requests by Sec-Fetch-Site /
// Origin) in front of the Gin engine, whose page routes also check a
// per-session CSRF token.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	return cop.Handler(s.gin)
}
