package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/web/pages/settings"
)

// showAPIRef renders the OpenAPI document the API serves as a page: the
// same document, so the page and /api/v1/openapi.json never disagree.
func (s *Server) showAPIRef(c *gin.Context) {
	s.render(c, http.StatusOK, settings.APIRef(apiRefView(s.openAPI())))
}

func apiRefView(doc *openapi3.T) settings.APIRefView {
	v := settings.APIRefView{JSONURL: "/api/v1/openapi.json", Version: doc.OpenAPI}
	byTag := map[string]int{}
	for _, t := range doc.Tags {
		byTag[t.Name] = len(v.Tags)
		v.Tags = append(v.Tags, settings.APITag{Name: t.Name})
	}
	paths := doc.Paths.InMatchingOrder()
	slices.Sort(paths)
	for _, p := range paths {
		item := doc.Paths.Value(p)
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			op := item.GetOperation(m)
			if op == nil || len(op.Tags) == 0 {
				continue
			}
			i, ok := byTag[op.Tags[0]]
			if !ok {
				continue
			}
			v.Tags[i].Ops = append(v.Tags[i].Ops, apiRefOp(m, p, op))
		}
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v.Schemas = append(v.Schemas, settings.APISchema{Name: name, Fields: schemaFields("", doc.Components.Schemas[name].Value)})
	}
	return v
}

func apiRefOp(method, path string, op *openapi3.Operation) settings.APIOp {
	o := settings.APIOp{Anchor: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: op.Description}
	if role, ok := op.Extensions["x-pushdeck-role"].(string); ok {
		o.Role = role
		// The page shows the role in its own words.
		o.Description = strings.TrimSpace(strings.TrimPrefix(o.Description, "Least role: "+role+"."))
	}
	for _, pr := range op.Parameters {
		p := pr.Value
		o.Params = append(o.Params, settings.APIParam{Name: p.Name, In: p.In, Type: schemaText(p.Schema).Text,
			Description: p.Description, Required: p.Required})
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		o.Body = contentOf(op.RequestBody.Value.Content)
	}
	codes := op.Responses.Keys()
	slices.Sort(codes)
	for _, code := range codes {
		r := op.Responses.Value(code).Value
		resp := settings.APIResponse{Status: code}
		if r.Description != nil {
			resp.Description = *r.Description
		}
		if code[0] == '2' {
			resp.Body = contentOf(r.Content)
		}
		o.Responses = append(o.Responses, resp)
	}
	return o
}

// contentOf describes a body's first (only) content type.
func contentOf(content openapi3.Content) *settings.APIContent {
	for ct, mt := range content {
		if mt.Schema == nil {
			continue
		}
		c := &settings.APIContent{ContentType: ct}
		sr := mt.Schema
		// A shared input schema with the operation's required members.
		if s := sr.Value; sr.Ref == "" && s != nil && len(s.AllOf) == 1 && len(s.Properties) == 0 {
			c.Required, sr = s.Required, s.AllOf[0]
		}
		c.Type = schemaText(sr)
		if sr.Ref == "" && sr.Value != nil && len(sr.Value.Properties) > 0 {
			c.Fields = schemaFields("", sr.Value)
		}
		if sr.Ref == "" && sr.Value != nil && sr.Value.Items != nil && sr.Value.Items.Ref == "" && sr.Value.Items.Value != nil {
			c.Fields = schemaFields("[].", sr.Value.Items.Value)
		}
		return c
	}
	return nil
}

// schemaFields lists an object's members, nested inline objects dotted.
func schemaFields(prefix string, s *openapi3.Schema) []settings.APIField {
	if s == nil {
		return nil
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	var out []settings.APIField
	for _, name := range names {
		p := s.Properties[name]
		f := settings.APIField{Name: prefix + name, Type: schemaText(p), Required: slices.Contains(s.Required, name)}
		if p.Value != nil {
			f.Description = p.Value.Description
		}
		out = append(out, f)
		if p.Ref == "" && p.Value != nil && len(p.Value.Properties) > 0 && len(out) < 200 {
			out = append(out, schemaFields(prefix+name+".", p.Value)...)
		}
	}
	return out
}

// schemaText writes a schema as a short type: a component's name, "array
// of X", "string (date-time)", "a | b" for an enum, "X | null".
func schemaText(sr *openapi3.SchemaRef) settings.APIType {
	if sr == nil {
		return settings.APIType{Text: "any"}
	}
	if sr.Ref != "" {
		name := sr.Ref[strings.LastIndex(sr.Ref, "/")+1:]
		return settings.APIType{Text: name, Ref: name}
	}
	s := sr.Value
	switch {
	case s == nil:
		return settings.APIType{Text: "any"}
	case len(s.AnyOf) == 2 && s.AnyOf[1].Value != nil && s.AnyOf[1].Value.Type.Is(openapi3.TypeNull):
		t := schemaText(s.AnyOf[0])
		t.Text += " | null"
		return t
	case len(s.AnyOf) > 0:
		var parts []string
		for _, a := range s.AnyOf {
			parts = append(parts, cmpOrTitle(a))
		}
		return settings.APIType{Text: "one of: " + strings.Join(parts, ", ")}
	case len(s.AllOf) == 1:
		return schemaText(s.AllOf[0])
	case s.Type == nil || len(*s.Type) == 0:
		return settings.APIType{Text: "any"}
	case s.Type.Is(openapi3.TypeArray):
		t := schemaText(s.Items)
		t.Text = "array of " + t.Text
		return t
	case s.Type.Is(openapi3.TypeObject) && s.AdditionalProperties.Schema != nil:
		t := schemaText(s.AdditionalProperties.Schema)
		t.Text = "map of " + t.Text
		return t
	case len(s.Enum) > 0:
		var vals []string
		for _, e := range s.Enum {
			vals = append(vals, fmt.Sprint(e))
		}
		return settings.APIType{Text: strings.Join(vals, " | ")}
	case s.Format != "" && s.Format != "int64":
		return settings.APIType{Text: (*s.Type)[0] + " (" + s.Format + ")"}
	}
	return settings.APIType{Text: (*s.Type)[0]}
}

// cmpOrTitle names one alternative of a union: its title, or its type.
func cmpOrTitle(sr *openapi3.SchemaRef) string {
	if sr.Value != nil && sr.Value.Title != "" {
		names := make([]string, 0, len(sr.Value.Properties))
		for n := range sr.Value.Properties {
			names = append(names, n)
		}
		slices.Sort(names)
		return sr.Value.Title + " {" + strings.Join(names, ", ") + "}"
	}
	return schemaText(sr).Text
}
