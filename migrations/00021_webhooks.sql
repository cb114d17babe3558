-- Webhooks: endpoints that hear of campaign, batch, device and import
-- events, and the outbox their deliveries go through.
--
-- The outbox has one row per event and endpoint, written in the same
-- transaction as the change that causes the event, so a crash between the
-- change and the delivery loses nothing: the worker finds the row pending
-- on restart. body is the exact JSON sent (fixed once, so every retry signs
-- and sends the same bytes); next_attempt_ms is Unix milliseconds, compared
-- as an integer. The rows of finished deliveries are the endpoint's delivery
-- log and are pruned to the newest few per endpoint.

-- +goose Up
CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    -- secret is sealed (AES-GCM bound to the row); secret_hint is its first
    -- characters, shown so an operator can tell endpoints' secrets apart.
    secret      BLOB NOT NULL DEFAULT x'',
    secret_hint TEXT NOT NULL DEFAULT '',
    -- events is a bit set over the subscribable event types.
    events      INTEGER NOT NULL CHECK (events > 0),
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);

CREATE TABLE webhook_outbox (
    id              INTEGER PRIMARY KEY,
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    type            TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    lease_owner     TEXT NOT NULL DEFAULT '',
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_latency_ms INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
-- The worker's claim reads only pending rows, soonest first.
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_ms) WHERE state = 'pending';
CREATE INDEX webhook_outbox_endpoint ON webhook_outbox (endpoint_id, id);

-- +goose Down
DROP TABLE webhook_outbox;
DROP TABLE webhook_endpoints;
