package handlers

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// contentSecurityPolicy allows only this origin's own files: no inline
// script or style (behaviour comes from static/app.js reading data
// attributes; htmx's inline indicator style is turned off in the layout),
// data: images for the stylesheet's icons, and no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the browser protections on every answer. Pages and
// API answers are not stored by the browser or a proxy (Back after sign-out
// must not show a signed-in page); the embedded static files may be.
func (s *Server) securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(c.Request.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		c.Next()
	}
}
