package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/auth"
)

// Request body limits. Every route reads at most defaultBodyLimit of its
// body unless bodyRules gives it more; a page form is parsed (and a file in
// it spooled) only after the caller's role was checked.
const (
	defaultBodyLimit = 1 << 20
	// campaignFormBytes is the composer's form: the id-list file plus the
	// other fields (a pasted list among them) that multipart keeps in
	// memory.
	campaignFormBytes = maxUploadBytes + formMemory
	// previewFormBytes is a live count's form, which repeats the pasted
	// list: a few hundred thousand ids, not the million a file holds.
	previewFormBytes = 8 << 20
	// formMemory is how much of a multipart form is held in memory; files
	// beyond it are spooled to the temp dir (and removed after the request).
	formMemory = 32 << 20
	// campaignJSONBytes fits an audience list of 1,000,000 ids.
	campaignJSONBytes = 64 << 20
	// deviceUpsertBytes fits models.MaxDeviceBatch devices with long
	// fields and many tags; their count is checked while decoding.
	deviceUpsertBytes = 64 << 20
	// listChangeBytes fits MaxListChange cids with an alias each.
	listChangeBytes = 8 << 20
)

// bodyRule is how a route takes its body.
type bodyRule struct {
	// max is the most bytes read; more is a 413.
	max int64
	// multipart admits multipart forms (a file upload); other page routes
	// refuse them before reading a byte.
	multipart bool
	// streamed routes read the body themselves, part by part, instead of
	// having the form parsed up front.
	streamed bool
	// slow is how long the route may take to read its body and to write
	// its answer, in place of Limits.ReadTimeout and WriteTimeout: big
	// uploads and the CSV export need longer.
	slow time.Duration
}

// Deadlines of the routes that move many bytes.
const (
	bigBodyTime = 10 * time.Minute
	importTime  = time.Hour
)

// bodyRules are the routes that take more than defaultBodyLimit, keyed by
// "METHOD path" as in the route table (TestBodyRulesNameRoutes checks each
// names a route).
func bodyRules() map[string]bodyRule {
	return map[string]bodyRule{
		"POST /campaigns":         {max: campaignFormBytes, multipart: true, slow: bigBodyTime},
		"POST /campaigns/:id":     {max: campaignFormBytes, multipart: true, slow: bigBodyTime},
		"POST /campaigns/preview": {max: previewFormBytes},
		// Save as template posts the whole composer, its file field too.
		"POST /templates/from-composer": {max: campaignFormBytes, multipart: true, slow: bigBodyTime},
		// A credential may be read from a key file (64 KiB at most).
		"POST /providers":                          {max: defaultBodyLimit, multipart: true},
		"POST /providers/:id":                      {max: defaultBodyLimit, multipart: true},
		"POST /audience/preview":                   {max: previewFormBytes},
		"POST /audience/import":                    {max: maxImportBytes, multipart: true, streamed: true, slow: importTime},
		"GET /campaigns/:id/deliveries.csv":        {max: defaultBodyLimit, slow: importTime},
		"POST /api/v1/campaigns":                   {max: campaignJSONBytes, slow: bigBodyTime},
		"PATCH /api/v1/campaigns/:id":              {max: campaignJSONBytes, slow: bigBodyTime},
		"POST /api/v1/devices":                     {max: deviceUpsertBytes, slow: bigBodyTime},
		"POST /api/v1/devices/import":              {max: maxImportBytes, streamed: true, slow: importTime},
		"POST /api/v1/devices/tags":                {max: listChangeBytes},
		"POST /api/v1/devices/alias":               {max: listChangeBytes},
		"POST /api/v1/devices/delete":              {max: listChangeBytes},
		"GET /api/v1/campaigns/:id/deliveries.csv": {max: defaultBodyLimit, slow: importTime},
	}
}

func (s *Server) bodyRule(r Route) bodyRule {
	if rule, ok := bodyRules()[r.Method+" "+r.Path]; ok {
		return rule
	}
	return bodyRule{max: defaultBodyLimit}
}

const ctxForms = "pushdeck.forms"

// releaseForms is the outermost middleware: after the request it removes
// the temp files of every multipart form parsed while serving it. Go's
// server removes only those of the request it passed in, and the
// middleware replaces c.Request (to carry the locale and the session) before
// any form is read, so the parsed form hangs off a copy it never sees.
func (s *Server) releaseForms() gin.HandlerFunc {
	return func(c *gin.Context) {
		orig := c.Request
		defer func() {
			forms := []*multipart.Form{orig.MultipartForm, c.Request.MultipartForm}
			if v, ok := c.Get(ctxForms); ok {
				forms = append(forms, v.([]*multipart.Form)...)
			}
			done := map[*multipart.Form]bool{}
			for _, f := range forms {
				if f == nil || done[f] {
					continue
				}
				done[f] = true
				if err := f.RemoveAll(); err != nil {
					s.log.Warn("remove upload temp files", slog.String("path", orig.URL.Path), slog.Any("error", err))
				}
			}
		}()
		c.Next()
	}
}

// trackForm remembers the current request's parsed form for releaseForms,
// in case c.Request is replaced again before the request ends.
func trackForm(c *gin.Context) {
	f := c.Request.MultipartForm
	if f == nil {
		return
	}
	var forms []*multipart.Form
	if v, ok := c.Get(ctxForms); ok {
		forms = v.([]*multipart.Form)
	}
	c.Set(ctxForms, append(forms, f))
}

// limitBody caps an API route's body; the handler's decoder meets the
// limit as a *http.MaxBytesError (see decodeJSON).
func (s *Server) limitBody(rule bodyRule) gin.HandlerFunc {
	return func(c *gin.Context) {
		s.extendDeadlines(c, rule)
		c.Request.Body = &nulReader{r: http.MaxBytesReader(c.Writer, c.Request.Body, rule.max)}
		c.Next()
	}
}

// extendDeadlines gives a slow route its longer read and write deadlines
// (the server's ReadTimeout and WriteTimeout hold for every other route).
func (s *Server) extendDeadlines(c *gin.Context, rule bodyRule) {
	if rule.slow <= 0 {
		return
	}
	rc := http.NewResponseController(c.Writer)
	until := time.Now().Add(rule.slow)
	if err := errors.Join(rc.SetReadDeadline(until), rc.SetWriteDeadline(until)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.log.Warn("extend deadlines", slog.String("path", c.Request.URL.Path), slog.Any("error", err))
	}
}

// readForm caps a page route's body and parses its form up front, so an
// oversize body is a 413 page rather than a form that silently lost its
// fields. A multipart body to a route without an upload is refused
// unread.
func (s *Server) readForm(rule bodyRule) gin.HandlerFunc {
	return func(c *gin.Context) {
		s.extendDeadlines(c, rule)
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, rule.max)
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			c.Next()
			return
		}
		mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
		isMultipart := mt == "multipart/form-data"
		if isMultipart && !rule.multipart {
			s.bodyProblem(c, http.StatusBadRequest, "error.bad_form", nil)
			return
		}
		if rule.streamed {
			c.Next()
			return
		}
		// ParseMultipartForm hides ParseForm's error behind ErrNotMultipart,
		// so each kind of form is parsed by its own call.
		var err error
		if isMultipart {
			err = c.Request.ParseMultipartForm(formMemory)
			trackForm(c)
		} else {
			err = c.Request.ParseForm()
		}
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			s.bodyProblem(c, http.StatusRequestEntityTooLarge, "error.too_large", map[string]any{"Max": sizeText(mbe.Limit)})
			return
		case errors.Is(err, multipart.ErrMessageTooLarge):
			s.bodyProblem(c, http.StatusRequestEntityTooLarge, "error.too_large", map[string]any{"Max": sizeText(formMemory)})
			return
		case err != nil:
			s.bodyProblem(c, http.StatusBadRequest, "error.bad_form", nil)
			return
		}
		if field, bad := nulForm(c); bad {
			s.bodyProblem(c, http.StatusUnprocessableEntity, "error.nul_form", map[string]any{"Field": field})
			return
		}
		c.Next()
	}
}

// bodyProblem answers a refused body with a page in the reader's language.
func (s *Server) bodyProblem(c *gin.Context, status int, id string, data map[string]any) {
	ctx := c.Request.Context()
	// The rest of the body is not read: close the connection rather than
	// drain it.
	c.Header("Connection", "close")
	s.render(c, status, auth.Problem(i18n.T(ctx, id+"_title"), i18n.T(ctx, id, data)))
	c.Abort()
}

// sizeText writes a byte limit the way the messages show it: "1 MiB".
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
