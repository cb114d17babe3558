-- Login throttling keyed by a hash, per (account, client) and per client.
--
-- login_failures was keyed by the address as typed, of any length, so
-- failed logins with huge "addresses" grew the database without bound, and
-- a per-address lock let anyone lock an operator out. The key is now the
-- SHA-256 (hex) of what is throttled, a fixed 64 bytes, and the old rows
-- (raw addresses, at most a lockout's worth of state) are dropped.
--
-- last_failure_at lets the hourly prune find rows whose window has passed;
-- failures counts consecutive failures, so each lock lasts longer than the
-- one before.

-- +goose Up
DROP TABLE login_failures;
CREATE TABLE login_failures (
    key             TEXT     PRIMARY KEY CHECK (length(key) = 64),
    failures        INTEGER  NOT NULL,
    last_failure_at DATETIME NOT NULL,
    locked_until    DATETIME
);
CREATE INDEX login_failures_last ON login_failures (last_failure_at);

-- +goose Down
DROP TABLE login_failures;
CREATE TABLE login_failures (
    key          TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start DATETIME NOT NULL,
    locked_until DATETIME
);
