// Package static holds the vendored front-end files (htmx, Pico CSS, uPlot)
// and pushdeck's own CSS and JS, embedded so the binary needs no network.
package static

import "embed"

// FS is the embedded static tree, served under /static/.
//
//go:embed vendor app.css app.js
var FS embed.FS
