-- Honest ends and visible retries.
--
-- campaigns.status_reason_code names why the engine moved a campaign
-- (no_delivery: it ended failed because no recipient could be delivered;
-- error_threshold: its failed share paused it), and status_reason_data holds
-- the figures of that moment as a JSON object, so the console can say it in
-- the operator's language; status_reason keeps the English sentence the API
-- answers. Both are empty for a change an operator made.
--
-- batches.last_error_at is when the provider's last error on a batch that
-- is waiting for another attempt happened (updated_at moves with every
-- claim, so it cannot say that). Together with last_code, last_error and
-- next_attempt_at it is what the campaign page and API show while batches
-- are retrying.

-- +goose Up
ALTER TABLE campaigns ADD COLUMN status_reason_code TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN status_reason_data TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN last_error_at DATETIME;

-- +goose Down
ALTER TABLE batches DROP COLUMN last_error_at;
ALTER TABLE campaigns DROP COLUMN status_reason_data;
ALTER TABLE campaigns DROP COLUMN status_reason_code;
