package e2e

// The suite runs a binary it builds from the module root, which `go test`
// does not know the test depends on: without these imports a change to the
// application could be answered with a cached, stale pass. Importing what
// the binary is made of puts those packages in the test's cache key (and
// runMain reads ../main.go, which the cache then tracks as well).
import (
	_ "github.com/pushdeck/pushdeck/dispatch"
	_ "github.com/pushdeck/pushdeck/handlers"
	_ "github.com/pushdeck/pushdeck/migrations"
	_ "github.com/pushdeck/pushdeck/models"
	_ "github.com/pushdeck/pushdeck/static"
)
