-- A/B tests: a campaign may send 2–5 variants of its message.
--
-- campaigns.variants is the JSON list [{name, share, message}] ('' for a
-- campaign with one message, whose message column stays the only one; with
-- variants it holds the first variant's, so pages that show "the message"
-- keep working). The test-first settings travel in campaigns.options.
--
-- ab_phase is where a test-first campaign is: '' (no test, or not started),
-- 'sample' (the sample is being planned or sent), 'wait' (the sample is out;
-- the winner is picked at ab_decide_at), 'choose' (the wait is over and an
-- operator picks the winner), 'rest' (the winner, ab_winner, goes to the
-- rest). The wait is a stored time, not a timer, so a restart resumes it.
-- The campaign status stays 'sending' throughout: its CHECK constraint
-- would need the campaigns table rebuilt to take another state.
--
-- batches.variant is the variant a batch sends (0 without variants): each
-- batch holds one variant's recipients, so a delivery knows its variant
-- through its batch, and a variant's provider tasks are its batches' tasks.
--
-- variant_snapshots are report_snapshots per variant: the poller sums each
-- variant's tasks apart, for the winner and the side-by-side page.
-- accepted is the engine's count of the variant's accepted recipients when
-- the poll was taken, so a rate divides figures of the same moment (some
-- providers report receipts without a sent figure).

-- +goose Up
ALTER TABLE campaigns ADD COLUMN variants TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN ab_phase TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN ab_wait_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN ab_decide_at DATETIME;
ALTER TABLE campaigns ADD COLUMN ab_winner INTEGER;
ALTER TABLE campaigns ADD COLUMN ab_decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN variant INTEGER NOT NULL DEFAULT 0;

CREATE TABLE variant_snapshots (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER  NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    variant     INTEGER  NOT NULL,
    taken_at    DATETIME NOT NULL,
    channels    TEXT     NOT NULL,
    accepted    INTEGER  NOT NULL DEFAULT 0,
    error       TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX variant_snapshots_campaign ON variant_snapshots (campaign_id, variant, id);
-- The engine looks for test-first campaigns whose wait is over.
CREATE INDEX campaigns_ab_wait ON campaigns (ab_decide_at) WHERE ab_phase = 'wait';

-- +goose Down
DROP INDEX campaigns_ab_wait;
DROP TABLE variant_snapshots;
ALTER TABLE batches DROP COLUMN variant;
ALTER TABLE campaigns DROP COLUMN ab_decided_by;
ALTER TABLE campaigns DROP COLUMN ab_winner;
ALTER TABLE campaigns DROP COLUMN ab_decide_at;
ALTER TABLE campaigns DROP COLUMN ab_wait_seconds;
ALTER TABLE campaigns DROP COLUMN ab_phase;
ALTER TABLE campaigns DROP COLUMN variants;
