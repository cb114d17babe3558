-- The foundation schema: operators, sessions, API keys, provider accounts,
-- campaigns with their lifecycle events, durable send batches, per-recipient
-- deliveries and the audit log.
--
-- Times are stored as UTC text (RFC 3339 with nanoseconds, as the Go driver
-- writes them) so they sort lexically and compare with bound parameters.

-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    locale        TEXT    NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

-- A session row is keyed by the SHA-256 of the cookie value, so a copy of
-- the database does not hand out live sessions.
CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed logins per key (an e-mail address or a client address) within a
-- window; persisted so throttling survives a restart.
CREATE TABLE login_failures (
    key          TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start DATETIME NOT NULL,
    locked_until DATETIME
);

-- API keys are stored as SHA-256 hashes (the keys are 32 random bytes, so a
-- slow hash buys nothing); prefix is the first characters, shown in lists.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    key_hash     TEXT    NOT NULL UNIQUE,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);

-- credentials is AES-GCM ciphertext of the kind's credentials JSON.
CREATE TABLE provider_accounts (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL CHECK (kind IN ('sandbox', 'getui', 'mxpush', 'wecom', 'jpush')),
    base_url      TEXT    NOT NULL DEFAULT '',
    credentials   BLOB    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    last_ok_at    DATETIME,
    last_error    TEXT    NOT NULL DEFAULT '',
    last_error_at DATETIME,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE campaigns (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    provider_id     INTEGER NOT NULL REFERENCES provider_accounts (id),
    group_name      TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled', 'failed')),
    status_reason   TEXT    NOT NULL DEFAULT '',
    audience_kind   TEXT    NOT NULL,
    message         TEXT    NOT NULL,  -- JSON providers.Message
    options         TEXT    NOT NULL DEFAULT '{}',
    schedule_at     DATETIME,
    -- nonce makes request ids unique across installations sharing a provider app.
    nonce           TEXT    NOT NULL,
    idempotency_key TEXT    UNIQUE,
    created_by      TEXT    NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    started_at      DATETIME,
    finished_at     DATETIME,
    -- Counters move in the same transaction as a batch outcome.
    recipients      INTEGER NOT NULL DEFAULT 0,
    pending         INTEGER NOT NULL DEFAULT 0,
    accepted        INTEGER NOT NULL DEFAULT 0,
    invalid         INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0
);
-- Keyset pages are newest first by id, optionally within one status.
CREATE INDEX campaigns_status_id ON campaigns (status, id);
CREATE INDEX campaigns_provider ON campaigns (provider_id);
CREATE INDEX campaigns_group ON campaigns (group_name) WHERE group_name <> '';

-- The audience (up to a million listed values) lives apart from the
-- campaign row: the engine reads and updates a campaign's status and
-- counters on every batch, and SQLite would otherwise walk (and rewrite) the
-- audience's overflow pages each time.
CREATE TABLE campaign_audiences (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    audience    TEXT    NOT NULL  -- JSON {kind, values, conditions}
);

CREATE TABLE campaign_events (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id, id);

-- A batch is one provider request's worth of a campaign. request_id is fixed
-- when the batch is written, before the first call, and reused on every retry.
-- A worker owns a batch while lease_expires_at is in the future.
-- batch_recipients holds the frozen audience slice (a JSON array, in key
-- order), apart from the batch row, which the engine updates at every claim
-- and outcome and should stay small. Delivery rows are written once, with
-- their terminal state, when the batch ends, so each recipient costs one
-- insert; until then it is pending in its batch (first/last_recipient let
-- keyset pages find it).
CREATE TABLE batches (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    request_id       TEXT    NOT NULL UNIQUE,
    target           TEXT    NOT NULL,  -- JSON providers.Target (values in recipients)
    first_recipient  TEXT    NOT NULL DEFAULT '',
    last_recipient   TEXT    NOT NULL DEFAULT '',
    size             INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_expires_at DATETIME,
    next_attempt_at  DATETIME NOT NULL,
    task_id          TEXT    NOT NULL DEFAULT '',
    last_code        TEXT    NOT NULL DEFAULT '',
    last_error       TEXT    NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    UNIQUE (campaign_id, seq)
);
CREATE TABLE batch_recipients (
    batch_id   INTEGER PRIMARY KEY REFERENCES batches (id) ON DELETE CASCADE,
    recipients TEXT    NOT NULL
);
-- The claim query scans pending batches in due order.
CREATE INDEX batches_due ON batches (status, next_attempt_at) WHERE status = 'pending';

-- One row per recipient of a listed audience that reached a terminal state
-- (pending ones are in their batch). The primary key is the keyset order of
-- the deliveries pages and keeps inserts in key order per campaign.
-- Rows are kept narrow because the engine writes one per recipient on its
-- hot path: the request id and the time come from the row's batch.
CREATE TABLE deliveries (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    recipient   TEXT    NOT NULL,
    batch_seq   INTEGER NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('accepted', 'invalid', 'failed')),
    code        TEXT    NOT NULL DEFAULT '',
    message     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (campaign_id, recipient)
) WITHOUT ROWID;
-- Pages filtered to the invalid or failed recipients (and "resend to
-- failed") walk this partial index; accepted rows, the bulk, stay out of it
-- so the hot-path insert updates one B-tree per row, and an "accepted" page
-- walks the primary key, where nearly every row matches.
CREATE INDEX deliveries_problems ON deliveries (campaign_id, status, recipient) WHERE status <> 'accepted';

-- Provider-side report figures, kept as snapshots so they can be charted over
-- time; the newest is the campaign's current figure. channels is JSON
-- [{channel, target, sent, received, displayed, clicked}].
CREATE TABLE report_snapshots (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    taken_at    DATETIME NOT NULL,
    channels    TEXT    NOT NULL,
    error       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX report_snapshots_campaign ON report_snapshots (campaign_id, taken_at);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    created_at DATETIME NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT '',
    ip         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE report_snapshots;
DROP TABLE deliveries;
DROP TABLE batch_recipients;
DROP TABLE batches;
DROP TABLE campaign_events;
DROP TABLE campaign_audiences;
DROP TABLE campaigns;
DROP TABLE provider_accounts;
DROP TABLE api_keys;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
