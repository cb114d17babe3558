// Package e2e holds pushdeck's browser tests: they build the real binary,
// start it on a loopback port with a temporary database, and drive Debian's
// chromium headless through the journeys a person takes (first-run setup,
// a device CSV import and a segment to a completed campaign and its
// statistics, composer validation, a viewer's read-only view, the Chinese
// interface, a provider outage shown while the engine retries).
//
// Run them with `go test ./e2e`; add `-artifacts -outputdir DIR` to keep the
// screenshots each journey takes (otherwise they go to a temporary
// directory, whose path the tests log). Without chromium installed the
// tests skip, unless CI is set, when they fail: .ci/install-chromium
// installs it. With PUSHDECK_SCREENSHOTS=docs the newcomer journey also
// writes the README's three screenshots (dashboard, composer, statistics)
// into that folder of the module.
package e2e
