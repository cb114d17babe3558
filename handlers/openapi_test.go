package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/pushdeck/pushdeck/models"
)

// undocumented lists the routes that must be in the document (the JSON
// API, /healthz, /metrics) but have no apiOp, and the apiOps that name no
// route.
func undocumented(routes []Route, ops []apiOp) (missing, stale []string) {
	for _, r := range routes {
		if !r.API && r.Path != "/healthz" {
			continue
		}
		if !slices.ContainsFunc(ops, func(o apiOp) bool { return o.Method == r.Method && o.Path == r.Path }) {
			missing = append(missing, r.Method+" "+r.Path)
		}
	}
	for _, o := range ops {
		if !slices.ContainsFunc(routes, func(r Route) bool { return o.Method == r.Method && o.Path == r.Path }) {
			stale = append(stale, o.Method+" "+o.Path)
		}
	}
	return missing, stale
}

// TestOpenAPICoversRouteTable walks the route table: a new API route
// without a document entry fails here.
func TestOpenAPICoversRouteTable(t *testing.T) {
	app := newTestApp(t)
	routes, ops := app.srv.Routes(), apiOps(app.srv.reg)
	t.Run("every route documented", func(t *testing.T) {
		missing, stale := undocumented(routes, ops)
		if len(missing) > 0 {
			t.Errorf("routes without an OpenAPI entry (add an apiOp in handlers/openapi_*.go): %v", missing)
		}
		if len(stale) > 0 {
			t.Errorf("OpenAPI entries without a route: %v", stale)
		}
	})
	t.Run("a new route fails the check", func(t *testing.T) {
		withDummy := append(slices.Clone(routes), api(http.MethodPost, "/widgets", operator, nil))
		missing, _ := undocumented(withDummy, ops)
		if !slices.Equal(missing, []string{"POST /api/v1/widgets"}) {
			t.Errorf("missing = %v, want the dummy route", missing)
		}
	})
	t.Run("every route in the served document", func(t *testing.T) {
		doc := app.loadOpenAPI(t)
		for _, r := range routes {
			if !r.API && r.Path != "/healthz" {
				continue
			}
			if doc.Paths.Find(openAPIPath(r.Path)).GetOperation(r.Method) == nil {
				t.Errorf("%s %s is not in the served document", r.Method, r.Path)
			}
		}
	})
}

// loadOpenAPI fetches the document as a client would and validates it.
func (a *testApp) loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	resp, body := a.apiDo(http.MethodGet, "/api/v1/openapi.json", a.apiKey(models.RoleViewer), "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET openapi.json = %d %s", resp.StatusCode, body)
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(body))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	app := newTestApp(t)
	doc := app.loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	if resp, _ := app.apiDo(http.MethodGet, "/api/v1/openapi.json", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a key: %d, want 401", resp.StatusCode)
	}
	tests := []struct {
		name, method, path string
		check              func(*openapi3.Operation) error
	}{
		{"role of an admin route", http.MethodPost, "/api/v1/providers", func(op *openapi3.Operation) error {
			if op.Extensions["x-pushdeck-role"] != "admin" || op.Responses.Status(403) == nil {
				return fmt.Errorf("role %v, 403 %v", op.Extensions["x-pushdeck-role"], op.Responses.Status(403))
			}
			return nil
		}},
		{"healthz is public", http.MethodGet, "/healthz", func(op *openapi3.Operation) error {
			if op.Security == nil || len(*op.Security) != 0 || op.Responses.Status(401) != nil {
				return fmt.Errorf("security %v", op.Security)
			}
			return nil
		}},
		{"create answers 201 with the error shape", http.MethodPost, "/api/v1/campaigns", func(op *openapi3.Operation) error {
			if op.Responses.Status(201) == nil || op.Responses.Status(422) == nil || op.Responses.Status(400) == nil {
				return fmt.Errorf("responses %v", op.Responses.Keys())
			}
			if ref := op.Responses.Status(422).Value.Content.Get("application/json").Schema.Ref; ref != "#/components/schemas/Error" {
				return fmt.Errorf("422 schema %q", ref)
			}
			return nil
		}},
		{"path and query parameters", http.MethodGet, "/api/v1/campaigns/{id}/deliveries", func(op *openapi3.Operation) error {
			for _, p := range []string{"id", "status", "limit", "after"} {
				if op.Parameters.GetByInAndName(map[bool]string{true: "path", false: "query"}[p == "id"], p) == nil {
					return fmt.Errorf("no parameter %s", p)
				}
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := doc.Paths.Find(tt.path).GetOperation(tt.method)
			if op == nil {
				t.Fatal("no operation")
			}
			if err := tt.check(op); err != nil {
				t.Error(err)
			}
		})
	}
}

// answerChecker validates real answers against the served document, so a
// schema that drifts from what a handler writes fails.
type answerChecker struct {
	app    *testApp
	router routers.Router
	key    string
}

func newAnswerChecker(t *testing.T, app *testApp) *answerChecker {
	doc := app.loadOpenAPI(t)
	doc.Servers = openapi3.Servers{{URL: app.ts.URL}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &answerChecker{app: app, router: r, key: app.apiKey(models.RoleAdmin)}
}

// do sends a request and fails the test when its answer is not what the
// document says that operation answers with that status.
func (a *answerChecker) do(t *testing.T, method, path, body string, hdr map[string]string) (int, string) {
	t.Helper()
	resp, raw := a.app.apiDo(method, path, a.key, body, hdr)
	req, err := http.NewRequest(method, a.app.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := a.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	// A request the server took must fit the documented request schema,
	// so the document never refuses what the API accepts.
	if resp.StatusCode < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s was accepted but does not match the documented request: %v", method, path, err)
		}
	}
	// A status the operation does not document fails too.
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader([]byte(raw))), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d does not match the document: %v\nbody: %.500s", method, path, resp.StatusCode, err, raw)
	}
	return resp.StatusCode, raw
}
