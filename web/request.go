// Package web holds pushdeck's templ components: the layout, shared form
// and table components, and (in sub-packages) the pages. Components read
// only view models and the request info carried in the context (current
// operator, CSRF token, localizer).
package web

import (
	"context"
	"encoding/json"
)

// Viewer is the signed-in operator as the layout shows them.
type Viewer struct {
	ID    int64
	Email string
	Role  string
	// CanEdit is false for viewers: change controls are not rendered.
	CanEdit bool
	IsAdmin bool
}

// Request is what every page needs about the current request.
type Request struct {
	Viewer *Viewer
	CSRF   string
	Path   string
	Flash  []Flash
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string // success, error, info
	Text string
}

type reqKey struct{}

// WithRequest returns a context carrying r.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, reqKey{}, r)
}

// RequestFrom returns the context's request info (zero when absent).
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(reqKey{}).(Request)
	return r
}

// CanEdit reports whether the viewer may change things.
func CanEdit(ctx context.Context) bool {
	v := RequestFrom(ctx).Viewer
	return v != nil && v.CanEdit
}

// IsAdmin reports whether the viewer is an admin.
func IsAdmin(ctx context.Context) bool {
	v := RequestFrom(ctx).Viewer
	return v != nil && v.IsAdmin
}

// csrfHeaders is the hx-headers value that makes every htmx request carry
// the CSRF token.
func csrfHeaders(ctx context.Context) string {
	b, err := json.Marshal(map[string]string{"X-CSRF-Token": RequestFrom(ctx).CSRF})
	if err != nil {
		return "{}"
	}
	return string(b)
}

// navActive reports whether the nav item for prefix is the current section.
func navActive(ctx context.Context, prefix string) bool {
	p := RequestFrom(ctx).Path
	if prefix == "/" {
		return p == "/"
	}
	return len(p) >= len(prefix) && p[:len(prefix)] == prefix
}

// ariaCurrent returns "page" for the active nav item.
func ariaCurrent(ctx context.Context, prefix string) string {
	if navActive(ctx, prefix) {
		return "page"
	}
	return "false"
}
