// Package migrations holds pushdeck's versioned SQL migrations (goose
// annotations), embedded into the binary. They are the only way the schema
// changes: no AutoMigrate at run time.
package migrations

import "embed"

// FS holds the *.sql migration files.
//
//go:embed *.sql
var FS embed.FS
