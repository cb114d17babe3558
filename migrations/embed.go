// Package migrations holds pushdeck's versioned SQL migrations (goose
// annotations), embedded into the binary. They are the only way the schema
// changes: no AutoMigrate at run time.
//
// SQLite's migrations are the *.sql files at the top; PostgreSQL's are in
// postgres/, with the same numbers from 00025 on (its first file is a
// baseline of the schema SQLite reaches by then). A change is written
// once for each store.
package migrations

import "embed"

// FS holds the SQLite *.sql migration files.
//
//go:embed *.sql
var FS embed.FS

// Postgres holds the PostgreSQL migration files, under postgres/
// (fs.Sub(Postgres, PostgresDir) roots them for goose).
//
//go:embed postgres/*.sql
var Postgres embed.FS

// PostgresDir is the folder of Postgres that holds the files.
const PostgresDir = "postgres"
