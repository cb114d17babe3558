package handlers

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// apiOp documents one route of the route table in the OpenAPI document.
// Every API route (and /healthz, /metrics) must have one: the test that
// walks the table fails for a route without it. The role is not repeated
// here; the document reads it from the route table.
type apiOp struct {
	Method string
	// Path is the route table's path (gin's :param form).
	Path    string
	Tag     string
	Summary string
	// Description says what the summary does not: limits, side effects.
	Description string
	Query       []apiParam
	Headers     []apiParam
	// Body is a value of the request type (decoded as JSON), or a
	// *openapi3.Schema for a body that is not JSON; nil when none is read.
	Body any
	// BodyType is the request's content type; application/json by default.
	BodyType string
	// BodyOptional is set when an empty body is accepted.
	BodyOptional bool
	// BodyRequired lists the body's required top-level members.
	BodyRequired []string
	// OK is the success status; 200 by default.
	OK int
	// AlsoOK are further success statuses with the same answer.
	AlsoOK []int
	// Answer is a value of the response type, or a *openapi3.Schema.
	Answer any
	// AnswerType is the response's content type; application/json by default.
	AnswerType string
	// Errors are the statuses the handler itself answers, besides those
	// the route's authentication and body limit add.
	Errors []int
}

// apiParam is a query parameter or header.
type apiParam struct {
	Name, Description string
	// Schema is the parameter's type; a string when nil.
	Schema   *openapi3.Schema
	Required bool
}

// apiOps is every documented operation, by area. A new area adds its
// function here.
func apiOps(reg providers.Registry) []apiOp {
	var ops []apiOp
	ops = append(ops, coreOps()...)
	ops = append(ops, campaignOps()...)
	ops = append(ops, campaignFollowOps()...)
	ops = append(ops, templateOps()...)
	ops = append(ops, personalOps()...)
	ops = append(ops, abTestOps()...)
	ops = append(ops, audienceOps()...)
	ops = append(ops, segmentOps()...)
	ops = append(ops, providerOps(reg)...)
	ops = append(ops, scheduleOps()...)
	ops = append(ops, webhookOps()...)
	return ops
}

// apiErrorBody is the contract's error shape, for the document.
type apiErrorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

// statusMeaning is what an error status means in this API.
func statusMeaning(st int) string {
	switch st {
	case http.StatusBadRequest:
		return "malformed JSON (code malformed_json)"
	case http.StatusUnauthorized:
		return "no API key, or an invalid or revoked one (code unauthorized)"
	case http.StatusForbidden:
		return "the key's role may not do this (code forbidden)"
	case http.StatusNotFound:
		return "no such resource (code not_found)"
	case http.StatusConflict:
		return "conflicts with the resource's current state (code conflict)"
	case http.StatusRequestEntityTooLarge:
		return "the body is over the route's limit (code too_large)"
	case http.StatusUnprocessableEntity:
		return "invalid values: fields names each one and why (code invalid)"
	case http.StatusServiceUnavailable:
		return "busy or timed out; try again shortly"
	}
	return http.StatusText(st)
}

// openAPI builds the document from the route table and apiOps: a route
// without an entry is left out (the walking test reports it), an entry
// without a route too.
func (s *Server) openAPI() *openapi3.T {
	g := newSchemaGen(s.reg)
	nameSchemas(g)
	in := newSchemaGen(s.reg)
	in.input = true
	nameSchemas(in)
	doc := &openapi3.T{
		OpenAPI: "3.1.0",
		Info: &openapi3.Info{Title: "pushdeck API", Version: "1",
			Description: "The JSON API of pushdeck, a self-hosted push campaign console. Every operation but /healthz " +
				"needs `Authorization: Bearer <key>` (pushdeck apikey create); x-pushdeck-role is the least role of the key."},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, SecuritySchemes: openapi3.SecuritySchemes{}},
	}
	doc.Components.SecuritySchemes["bearer"] = &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
		Type: "http", Scheme: "bearer", Description: "An API key created with `pushdeck apikey create` or on the API keys page."}}
	ops := apiOps(s.reg)
	tags := map[string]bool{}
	for _, r := range s.Routes() {
		i := slices.IndexFunc(ops, func(o apiOp) bool { return o.Method == r.Method && o.Path == r.Path })
		if i < 0 {
			continue
		}
		o := ops[i]
		if !tags[o.Tag] {
			tags[o.Tag] = true
			doc.Tags = append(doc.Tags, &openapi3.Tag{Name: o.Tag})
		}
		doc.AddOperation(openAPIPath(r.Path), r.Method, s.operation(g, in, r, o))
	}
	for name, sr := range g.components {
		doc.Components.Schemas[name] = sr
	}
	for name, sr := range in.components {
		doc.Components.Schemas[name] = sr
	}
	doc.Components.Schemas["Error"] = g.ref(apiErrorBody{})
	return doc
}

// openAPIPath turns gin's :param into OpenAPI's {param}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func (s *Server) operation(g, in *schemaGen, r Route, o apiOp) *openapi3.Operation {
	op := &openapi3.Operation{Tags: []string{o.Tag}, Summary: o.Summary, Description: o.Description,
		OperationID: operationID(r), Responses: openapi3.NewResponses()}
	if r.Role != "" {
		op.Security = &openapi3.SecurityRequirements{{"bearer": {}}}
		op.Extensions = map[string]any{"x-pushdeck-role": string(r.Role)}
		op.Description = strings.TrimSpace("Least role: " + string(r.Role) + ". " + op.Description)
	} else {
		op.Security = &openapi3.SecurityRequirements{}
	}
	for _, seg := range strings.Split(r.Path, "/") {
		if name, ok := strings.CutPrefix(seg, ":"); ok {
			p := openapi3.NewPathParameter(name).WithSchema(pathParamSchema(name))
			op.AddParameter(p)
		}
	}
	for _, q := range o.Query {
		op.AddParameter(param(openapi3.NewQueryParameter(q.Name), q))
	}
	for _, h := range o.Headers {
		op.AddParameter(param(openapi3.NewHeaderParameter(h.Name), h))
	}
	errs := slices.Clone(o.Errors)
	if o.Body != nil {
		ct := cmp.Or(o.BodyType, "application/json")
		sr := schemaOf(in, o.Body)
		if len(o.BodyRequired) > 0 {
			sr = openapi3.NewSchemaRef("", &openapi3.Schema{AllOf: openapi3.SchemaRefs{sr}, Required: o.BodyRequired})
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(!o.BodyOptional).
			WithContent(openapi3.NewContentWithSchemaRef(sr, []string{ct}))}
		errs = append(errs, http.StatusRequestEntityTooLarge)
		if ct == "application/json" {
			errs = append(errs, http.StatusBadRequest)
		}
	}
	if r.Role != "" {
		errs = append(errs, http.StatusUnauthorized)
		if r.Role != models.RoleViewer {
			errs = append(errs, http.StatusForbidden)
		}
	}
	ok := cmp.Or(o.OK, http.StatusOK)
	resp := openapi3.NewResponse().WithDescription(http.StatusText(ok))
	if o.Answer != nil {
		resp.WithContent(openapi3.NewContentWithSchemaRef(schemaOf(g, o.Answer), []string{cmp.Or(o.AnswerType, "application/json")}))
	}
	op.Responses.Set(strconv.Itoa(ok), &openapi3.ResponseRef{Value: resp})
	for _, st := range o.AlsoOK {
		op.Responses.Set(strconv.Itoa(st), &openapi3.ResponseRef{Value: &openapi3.Response{
			Description: new(http.StatusText(st)), Content: resp.Content}})
	}
	slices.Sort(errs)
	for _, st := range slices.Compact(errs) {
		desc := statusMeaning(st)
		op.Responses.Set(strconv.Itoa(st), &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription(desc).
			WithJSONSchemaRef(openapi3.NewSchemaRef("#/components/schemas/Error", nil))})
	}
	return op
}

func param(p *openapi3.Parameter, a apiParam) *openapi3.Parameter {
	p.Description, p.Required = a.Description, a.Required
	if a.Schema == nil {
		a.Schema = openapi3.NewStringSchema()
	}
	return p.WithSchema(a.Schema)
}

func pathParamSchema(name string) *openapi3.Schema {
	if name == "id" {
		return openapi3.NewInt64Schema().WithMin(1)
	}
	return openapi3.NewStringSchema()
}

func schemaOf(g *schemaGen, v any) *openapi3.SchemaRef {
	if s, ok := v.(*openapi3.Schema); ok {
		return openapi3.NewSchemaRef("", s)
	}
	return g.ref(v)
}

// operationID is the method and path in camel case: getCampaignsId.
func operationID(r Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, w := range strings.FieldsFunc(strings.TrimPrefix(r.Path, "/api/v1"), func(c rune) bool {
		return c == '/' || c == ':' || c == '-' || c == '.' || c == '_'
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// apiOpenAPI serves the OpenAPI 3.1 document of this API.
func (s *Server) apiOpenAPI(c *gin.Context) {
	b, err := json.Marshal(s.openAPI())
	if err != nil {
		s.apiFail(c, fmt.Errorf("openapi: encode: %w", err))
		return
	}
	c.Data(http.StatusOK, "application/json", b)
}
