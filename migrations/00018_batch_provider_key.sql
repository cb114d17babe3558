-- The de-duplication key a provider issued for a batch.
--
-- Some providers recognise a repeated request only by a key they issue
-- themselves (JPush's cid, fetched before the push and good for a day),
-- not by an id the caller chooses. The engine fetches one before a batch's
-- first attempt and keeps it here, so every later attempt of the batch,
-- after a crash and restart too, carries the same key and the provider
-- answers the repeat instead of pushing it again. Empty for providers
-- that issue none.

-- +goose Up
ALTER TABLE batches ADD COLUMN provider_key TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE batches DROP COLUMN provider_key;
