-- Recurring campaigns: a definition keeps the composed draft (message,
-- audience, account, options) as JSON and a repeat rule; the engine creates
-- one ordinary campaign per run from it. A run records the definition and
-- the slot it was started for, and the unique index on the pair makes
-- "exactly one run per slot" hold even when two processes, or a restarted
-- one, try to start the same slot. Deleting a definition keeps its runs
-- (they have their own statistics); they just lose the link.

-- +goose Up
CREATE TABLE recurring_campaigns (
    id           INTEGER PRIMARY KEY,
    name         TEXT     NOT NULL,
    provider_id  INTEGER  NOT NULL REFERENCES provider_accounts (id),
    draft        TEXT     NOT NULL,
    rule         TEXT     NOT NULL,
    timezone     TEXT     NOT NULL,
    ends_at      DATETIME,
    max_runs     INTEGER  NOT NULL DEFAULT 0,
    runs         INTEGER  NOT NULL DEFAULT 0,
    status       TEXT     NOT NULL DEFAULT 'active',
    next_run_at  DATETIME,
    last_slot_at DATETIME,
    last_error   TEXT     NOT NULL DEFAULT '',
    created_by   TEXT     NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
-- The scheduler looks for active definitions whose next run is due.
CREATE INDEX recurring_due ON recurring_campaigns (next_run_at) WHERE status = 'active';

ALTER TABLE campaigns ADD COLUMN recurring_id INTEGER REFERENCES recurring_campaigns (id) ON DELETE SET NULL;
ALTER TABLE campaigns ADD COLUMN run_slot DATETIME;
CREATE UNIQUE INDEX campaigns_recurring_slot ON campaigns (recurring_id, run_slot) WHERE recurring_id IS NOT NULL;

-- +goose Down
DROP INDEX campaigns_recurring_slot;
ALTER TABLE campaigns DROP COLUMN run_slot;
ALTER TABLE campaigns DROP COLUMN recurring_id;
DROP INDEX recurring_due;
DROP TABLE recurring_campaigns;
