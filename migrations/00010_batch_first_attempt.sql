-- When a batch was first claimed for sending.
--
-- A provider without request ids (WeCom) drops a repeated request only
-- within a de-duplication window counted from the first one it took. A
-- retry after that window may deliver the batch a second time, so the
-- engine stops retrying a batch whose window has passed. first_attempt_at
-- is set by the first claim (no later than the first request) and kept
-- across restarts, pauses and lost leases; a claim given back unsent
-- clears it again.

-- +goose Up
ALTER TABLE batches ADD COLUMN first_attempt_at DATETIME;

-- +goose Down
ALTER TABLE batches DROP COLUMN first_attempt_at;
