// Package rivereval measures whether River (github.com/riverqueue/river)
// could take over the engine's batch claims without costing throughput.
//
// It is a module of its own so River stays out of pushdeck's module, its
// binary and its `go test ./...`: nothing here is imported by pushdeck. The
// benchmark in this folder drains the same frozen plan twice on each store
// — once as River jobs whose worker records the batch's outcome in the
// job's completion transaction, once through the engine's own claims and
// group-committed outcomes — and prints batches/s and recipients/s:
//
//	cd e2e/rivereval && go test -run '^$' -bench . -benchtime 1x
//
// PUSHDECK_TEST_DB=postgres://… adds the PostgreSQL runs;
// PUSHDECK_RIVEREVAL_BATCHES sets the plan (default 2,000 batches of 500
// recipients).
package rivereval
