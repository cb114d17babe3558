-- The durable engine's planning state and failure aggregates.
--
-- A campaign's audience is frozen into batches by a planner that streams it
-- in cid order and commits chunks of batches; plan_cursor (the last frozen
-- recipient) and plan_seq (the last batch number) let a planner that was
-- killed mid-way resume exactly where it stopped. planned = 1 once the whole
-- audience is frozen; a campaign completes only when it is planned and no
-- batch is pending.
--
-- campaign_failures keeps failures by status and provider code per campaign,
-- moved in the same transaction as the batch outcome, so "errors by reason"
-- is a small lookup on the progress page and survives delivery-row pruning.

-- provider_accounts.rate_limit is the account's request rate (requests per
-- second) shared by every campaign using it; 0 takes the provider's safe
-- default. Operators raise it where their contract allows.

-- +goose Up
ALTER TABLE provider_accounts ADD COLUMN rate_limit REAL NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN planned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN plan_cursor TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN plan_seq INTEGER NOT NULL DEFAULT 0;
-- Campaigns created before this migration were planned when they started.
UPDATE campaigns SET planned = 1 WHERE status <> 'draft' AND status <> 'scheduled';

CREATE TABLE campaign_failures (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    message     TEXT    NOT NULL DEFAULT '',
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, status, code)
) WITHOUT ROWID;

-- The planner looks for sending campaigns that are not fully frozen.
CREATE INDEX campaigns_unplanned ON campaigns (status) WHERE planned = 0;
-- Delivery pages list pending recipients from their batches in order; only
-- pending batches are indexed, so a finished campaign costs nothing here.
CREATE INDEX batches_pending ON batches (campaign_id, seq) WHERE status = 'pending';

-- +goose Down
ALTER TABLE provider_accounts DROP COLUMN rate_limit;
DROP INDEX batches_pending;
DROP INDEX campaigns_unplanned;
DROP TABLE campaign_failures;
ALTER TABLE campaigns DROP COLUMN plan_seq;
ALTER TABLE campaigns DROP COLUMN plan_cursor;
ALTER TABLE campaigns DROP COLUMN planned;
