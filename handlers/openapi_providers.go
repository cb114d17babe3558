package handlers

import (
	"net/http"
	"reflect"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pushdeck/pushdeck/providers"
)

// docProviderBody is the body of a provider account's create and change.
type docProviderBody struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	BaseURL string `json:"base_url"`
	// RateLimit is requests per second; 0 or absent adapts to the provider.
	RateLimit float64 `json:"rate_limit"`
	Disabled  bool    `json:"disabled"`
}

// credentialsSchema describes the credentials of every registered kind:
// one object per kind, its fields as the kind's Spec declares them.
func credentialsSchema(reg providers.Registry) *openapi3.Schema {
	kinds := sortedKinds(reg)
	s := &openapi3.Schema{Description: "The account's credentials, by kind; never returned."}
	for _, k := range kinds {
		obj := openapi3.NewObjectSchema()
		obj.Title = k
		for _, f := range reg[providers.Kind(k)].Fields {
			fs := openapi3.NewStringSchema()
			if f.Integer {
				fs = openapi3.NewInt64Schema()
			}
			for _, c := range f.Choices {
				fs.Enum = append(fs.Enum, c)
			}
			if f.Secret {
				fs.WriteOnly = true
			}
			obj.WithPropertyRef(f.Name, openapi3.NewSchemaRef("", fs))
			if f.Required {
				obj.Required = append(obj.Required, f.Name)
			}
		}
		s.AnyOf = append(s.AnyOf, openapi3.NewSchemaRef("", obj))
	}
	return s
}

func sortedKinds(reg providers.Registry) []string {
	kinds := make([]string, 0, len(reg))
	for k := range reg {
		kinds = append(kinds, string(k))
	}
	slices.Sort(kinds)
	return kinds
}

// providerBodySchema is the request schema of create (create) or change.
func providerBodySchema(g *schemaGen, reg providers.Registry, create bool) *openapi3.Schema {
	s := g.build(reflect.TypeFor[docProviderBody]())
	kinds := openapi3.NewStringSchema()
	for _, k := range sortedKinds(reg) {
		kinds.Enum = append(kinds.Enum, k)
	}
	s.Properties["kind"] = openapi3.NewSchemaRef("", kinds)
	s.Properties["credentials"] = openapi3.NewSchemaRef("", credentialsSchema(reg))
	if create {
		delete(s.Properties, "disabled")
		s.Required = []string{"name", "kind", "credentials"}
	} else {
		delete(s.Properties, "kind")
		s.Description = "Members left out keep their value; credentials members left out keep the stored ones. A new base_url needs the credentials again."
	}
	return s
}

func providerOps(reg providers.Registry) []apiOp {
	const tag = "providers"
	in := newSchemaGen(reg)
	in.input = true
	id := []int{http.StatusNotFound, http.StatusUnprocessableEntity}
	return []apiOp{
		{Method: http.MethodGet, Path: "/api/v1/providers", Tag: tag, Summary: "List provider accounts",
			Answer: docPage[apiProvider, string]{}},
		{Method: http.MethodPost, Path: "/api/v1/providers", Tag: tag, Summary: "Add a provider account",
			Body: providerBodySchema(in, reg, true), OK: http.StatusCreated, Answer: apiProvider{},
			Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}},
		{Method: http.MethodPatch, Path: "/api/v1/providers/:id", Tag: tag, Summary: "Change a provider account",
			Body: providerBodySchema(in, reg, false), Answer: apiProvider{},
			Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
		{Method: http.MethodPost, Path: "/api/v1/providers/:id/test", Tag: tag, Summary: "Prove the credentials with a real call",
			Description: "422 with code provider_auth_failed, the provider's own message and the host called when the provider refuses.",
			Answer: struct {
				OK   bool   `json:"ok"`
				Host string `json:"host"`
			}{}, Errors: id},
	}
}
