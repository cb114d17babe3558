package settings

// APIRefView is the API reference page: the OpenAPI document the server
// serves, as operations grouped by tag and the schemas they refer to.
type APIRefView struct {
	// JSONURL is where the document itself is served.
	JSONURL string
	Version string
	Tags    []APITag
	Schemas []APISchema
}

// APITag is one group of operations.
type APITag struct {
	Name string
	Ops  []APIOp
}

// APIOp is one operation.
type APIOp struct {
	// Anchor is the operation's id, for links.
	Anchor      string
	Method      string
	Path        string
	Summary     string
	Description string
	// Role is the least role of the calling key; "" for a public route.
	Role   string
	Params []APIParam
	// Body is nil when the operation reads none.
	Body      *APIContent
	Responses []APIResponse
}

// APIParam is a path, query or header parameter.
type APIParam struct {
	Name, In, Type, Description string
	Required                    bool
}

// APIContent is a request or answer body: its content type and schema.
type APIContent struct {
	ContentType string
	Type        APIType
	// Required lists the body's required members when the schema is a
	// shared one that does not say.
	Required []string
	// Fields are an inline object's members (nil for a named schema).
	Fields []APIField
}

// APIType is a schema as text; Ref names the schema it links to.
type APIType struct {
	Text string
	Ref  string
}

// APIResponse is one status an operation answers.
type APIResponse struct {
	Status      string
	Description string
	Body        *APIContent
}

// APISchema is a named schema with its members.
type APISchema struct {
	Name   string
	Fields []APIField
}

// APIField is one member of an object, nested members dotted (error.code).
type APIField struct {
	Name        string
	Type        APIType
	Required    bool
	Description string
}
