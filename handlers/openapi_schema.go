package handlers

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// schemaGen builds JSON Schemas (OpenAPI 3.1, JSON Schema 2020-12) from the
// Go types the handlers encode and decode, reading the same json tags
// encoding/json reads, so the document follows the code when a field is
// added. Named struct types listed in names become components and are
// referred to by $ref; others are inlined.
type schemaGen struct {
	names      map[reflect.Type]string
	components openapi3.Schemas
	// overrides describe types whose JSON is not their Go shape (custom
	// marshalers, raw JSON, durations).
	overrides map[reflect.Type]func() *openapi3.Schema
	// input describes request bodies: components are named with an Input
	// suffix and no member is required (an absent one decodes as its zero
	// value); an operation names its required members itself.
	input bool
}

func newSchemaGen(reg providers.Registry) *schemaGen {
	return &schemaGen{
		names:      map[reflect.Type]string{},
		components: openapi3.Schemas{},
		overrides: map[reflect.Type]func() *openapi3.Schema{
			reflect.TypeFor[time.Time](): func() *openapi3.Schema {
				return &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Format: "date-time"}
			},
			reflect.TypeFor[time.Duration](): func() *openapi3.Schema {
				return &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeInteger}, Description: "nanoseconds"}
			},
			reflect.TypeFor[json.RawMessage](): func() *openapi3.Schema {
				return &openapi3.Schema{Description: "any JSON value"}
			},
			reflect.TypeFor[models.Status](): func() *openapi3.Schema {
				return enumSchema(models.StatusDraft, models.StatusScheduled, models.StatusSending, models.StatusPaused,
					models.StatusCompleted, models.StatusCancelled, models.StatusFailed)
			},
			// The message types are those the registered providers declare.
			reflect.TypeFor[providers.MessageType](): func() *openapi3.Schema {
				var types []providers.MessageType
				for _, k := range sortedKinds(reg) {
					for _, t := range reg[providers.Kind(k)].Capabilities.MessageTypes {
						if !slices.Contains(types, t) {
							types = append(types, t)
						}
					}
				}
				return enumSchema(types...)
			},
			// WeComOptions marshals its interval in whole seconds.
			reflect.TypeFor[providers.WeComOptions](): nil,
		},
	}
}

// enumSchema is a string schema taking only values.
func enumSchema[T ~string](values ...T) *openapi3.Schema {
	s := openapi3.NewStringSchema()
	for _, v := range values {
		s.Enum = append(s.Enum, string(v))
	}
	return s
}

// name registers t (a struct type, or a pointer to one) as the component name.
func (g *schemaGen) name(v any, name string) {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	g.names[t] = name
}

// ref returns the schema of v's type: a $ref for a named component.
func (g *schemaGen) ref(v any) *openapi3.SchemaRef {
	return g.of(reflect.TypeOf(v))
}

func (g *schemaGen) of(t reflect.Type) *openapi3.SchemaRef {
	if name, ok := g.names[t]; ok {
		if g.input {
			name += "Input"
		}
		if _, done := g.components[name]; !done {
			// Reserve the name first so a recursive type refers to itself.
			g.components[name] = &openapi3.SchemaRef{Value: &openapi3.Schema{}}
			g.components[name] = openapi3.NewSchemaRef("", g.build(t))
		}
		return openapi3.NewSchemaRef("#/components/schemas/"+name, nil)
	}
	return openapi3.NewSchemaRef("", g.build(t))
}

func (g *schemaGen) build(t reflect.Type) *openapi3.Schema {
	if f, ok := g.overrides[t]; ok {
		if f != nil {
			return f()
		}
		return g.structSchema(t, map[string]*openapi3.Schema{
			"duplicate_check_interval": {Type: &openapi3.Types{openapi3.TypeInteger}, Description: "seconds"},
		})
	}
	typ := func(s string) *openapi3.Schema { return &openapi3.Schema{Type: &openapi3.Types{s}} }
	switch t.Kind() {
	case reflect.Pointer:
		s := g.of(t.Elem())
		return &openapi3.Schema{AnyOf: openapi3.SchemaRefs{s, openapi3.NewSchemaRef("", typ(openapi3.TypeNull))}}
	case reflect.Bool:
		return typ(openapi3.TypeBoolean)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s := typ(openapi3.TypeInteger)
		if t.Size() == 8 {
			s.Format = "int64"
		}
		return s
	case reflect.Float32, reflect.Float64:
		return typ(openapi3.TypeNumber)
	case reflect.String:
		return typ(openapi3.TypeString)
	case reflect.Slice, reflect.Array:
		s := typ(openapi3.TypeArray)
		s.Items = g.of(t.Elem())
		return s
	case reflect.Map:
		s := typ(openapi3.TypeObject)
		s.AdditionalProperties = openapi3.AdditionalProperties{Schema: g.of(t.Elem())}
		return s
	case reflect.Struct:
		return g.structSchema(t, nil)
	case reflect.Interface:
		return &openapi3.Schema{Description: "any JSON value"}
	}
	return &openapi3.Schema{}
}

// structSchema reads t's fields as encoding/json does: the json tag's name,
// "-" skipped, unexported skipped, embedded structs without a tag merged.
// A field without omitempty/omitzero is always written, so it is required.
func (g *schemaGen) structSchema(t reflect.Type, replace map[string]*openapi3.Schema) *openapi3.Schema {
	s := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}, Properties: openapi3.Schemas{}}
	g.addFields(s, t, replace)
	return s
}

func (g *schemaGen) addFields(s *openapi3.Schema, t reflect.Type, replace map[string]*openapi3.Schema) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.addFields(s, ft, replace)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if r, ok := replace[name]; ok {
			s.Properties[name] = openapi3.NewSchemaRef("", r)
		} else {
			s.Properties[name] = g.of(ft)
		}
		if !g.input && !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			s.Required = append(s.Required, name)
		}
	}
}
