package handlers

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/static"
)

// Route is one entry of the route table: every route with the role it
// needs, in one screen. Public routes have an empty Role.
type Route struct {
	Method string
	Path   string
	// Role is the least role allowed; "" means no authentication.
	Role models.Role
	// API routes authenticate with a bearer key, pages with a session.
	API     bool
	handler gin.HandlerFunc
}

const (
	admin    = models.RoleAdmin
	operator = models.RoleOperator
	viewer   = models.RoleViewer
)

// Routes is the route table. Roles are enforced from it, and the auth tests
// walk it, so a new route is covered automatically.
func (s *Server) Routes() []Route {
	var rs []Route
	rs = append(rs, s.coreRoutes()...)
	rs = append(rs, s.campaignRoutes()...)
	rs = append(rs, s.providerRoutes()...)
	rs = append(rs, s.audienceRoutes()...)
	rs = append(rs, s.settingsRoutes()...)
	rs = append(rs, s.webhookRoutes()...)
	rs = append(rs, s.statsRoutes()...)
	rs = append(rs, s.recurringRoutes()...)
	rs = append(rs, s.localTimeRoutes()...)
	rs = append(rs, s.templateRoutes()...)
	return rs
}

// page and api build route-table entries.
func page(m, p string, r models.Role, h gin.HandlerFunc) Route {
	return Route{Method: m, Path: p, Role: r, handler: h}
}

func api(m, p string, r models.Role, h gin.HandlerFunc) Route {
	return Route{Method: m, Path: "/api/v1" + p, Role: r, API: true, handler: h}
}

// coreRoutes are sign-in, the dashboard and campaigns.
func (s *Server) coreRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/healthz", "", s.healthz),
		{Method: http.MethodGet, Path: "/metrics", Role: viewer, API: true, handler: s.metrics},
		// The API's description needs a key like the API itself: it names
		// this server's provider kinds and their credential fields.
		api(http.MethodGet, "/openapi.json", viewer, s.apiOpenAPI),
		page(http.MethodGet, "/setup", "", s.showSetup),
		page(http.MethodPost, "/setup", "", s.saveSetup),
		page(http.MethodGet, "/login", "", s.showLogin),
		page(http.MethodPost, "/login", "", s.login),

		page(http.MethodPost, "/logout", viewer, s.logout),
		page(http.MethodGet, "/", viewer, s.showDashboard),
		page(http.MethodGet, "/campaigns", viewer, s.showCampaigns),
		page(http.MethodGet, "/campaigns/new", operator, s.showNewCampaign),
		page(http.MethodPost, "/campaigns", operator, s.saveCampaign),
		page(http.MethodGet, "/campaigns/:id", viewer, s.showCampaign),
		page(http.MethodGet, "/campaigns/:id/progress", viewer, s.showProgress),
		page(http.MethodPost, "/campaigns/:id/send", operator, s.campaignAction),
		page(http.MethodPost, "/campaigns/:id/pause", operator, s.campaignAction),
		page(http.MethodPost, "/campaigns/:id/resume", operator, s.campaignAction),
		page(http.MethodPost, "/campaigns/:id/cancel", operator, s.campaignAction),
		page(http.MethodPost, "/campaigns/:id/test", operator, s.testSendPage),

		api(http.MethodGet, "/campaigns", viewer, s.apiListCampaigns),
		api(http.MethodPost, "/campaigns", operator, s.apiCreateCampaign),
		api(http.MethodPost, "/campaigns/preview", operator, s.apiPreviewMessage),
		api(http.MethodGet, "/campaigns/:id", viewer, s.apiGetCampaign),
		api(http.MethodPost, "/campaigns/:id/send", operator, s.apiCampaignAction),
		api(http.MethodPost, "/campaigns/:id/pause", operator, s.apiCampaignAction),
		api(http.MethodPost, "/campaigns/:id/resume", operator, s.apiCampaignAction),
		api(http.MethodPost, "/campaigns/:id/cancel", operator, s.apiCampaignAction),
		api(http.MethodPost, "/campaigns/:id/test", operator, s.apiTestSend),
		api(http.MethodPost, "/campaigns/:id/winner", operator, s.apiChooseWinner),
		api(http.MethodGet, "/campaigns/:id/variants", viewer, s.apiCampaignVariants),
		api(http.MethodGet, "/campaigns/:id/deliveries", viewer, s.apiListDeliveries),
		api(http.MethodGet, "/campaigns/:id/audience", viewer, s.apiCampaignAudience),
	}
}

func (s *Server) register(g *gin.Engine) {
	g.StaticFS("/static", http.FS(static.FS))
	for _, r := range s.Routes() {
		// The body is read (a form parsed, a file spooled) only after the
		// caller's role was checked, and never past the route's limit.
		var chain []gin.HandlerFunc
		rule := s.bodyRule(r)
		switch {
		case r.Role == "":
			chain = []gin.HandlerFunc{s.localize(), s.readForm(rule)}
		case r.API:
			chain = []gin.HandlerFunc{s.requireAPIKey(), s.requireRole(r.Role, true), s.limitBody(rule)}
		default:
			chain = []gin.HandlerFunc{s.requireSession(), s.requireRole(r.Role, false), s.readForm(rule), s.requireCSRF()}
		}
		g.Handle(r.Method, r.Path, append(chain, r.handler)...)
	}
}

// metrics serves the engine's Prometheus registry (engine series, Go
// runtime, process); it authenticates like the API (a bearer key of any
// role). A series that fails to read (the queue depth's query) is left
// out and logged; the rest are still served.
func (s *Server) metrics(c *gin.Context) {
	promhttp.HandlerFor(s.engine.Metrics().Gatherer(), promhttp.HandlerOpts{
		ErrorLog: slogPrinter{s.log}, ErrorHandling: promhttp.ContinueOnError,
	}).ServeHTTP(c.Writer, c.Request)
}

// slogPrinter lets promhttp report scrape errors through the server's log.
type slogPrinter struct{ log *slog.Logger }

// Println logs a scrape error.
func (p slogPrinter) Println(v ...any) {
	p.log.Warn("metrics scrape", slog.String("error", fmt.Sprint(v...)))
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
