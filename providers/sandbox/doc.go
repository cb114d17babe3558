// Package sandbox is a built-in provider that simulates a device fleet, so
// the console works end to end with no credentials.
//
// Endpoints and auth: none; it makes no network call. Credentials are {}
// or {"devices": N} (1 to 10 000 000 simulated devices).
//
// It accepts every device registered to its account: any well-formed
// client id, imported or seeded (it never reads the registry; listed sends
// carry only what the console chose). Everything is deterministic: whether
// a device is online, and a seeded device's platform, region and tags,
// follow from a hash of its client id, and a task's report is a function of
// its id and the clock, so it survives restarts without any state.
//
// Idempotency: a send has no effect beyond its answer, so a repeat is
// harmless. Errors: a cancelled call is Retry "canceled"; a malformed
// request id or target is Permanent.
package sandbox
