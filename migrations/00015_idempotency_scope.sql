-- An Idempotency-Key is scoped to its owner and remembered for 24 hours,
-- and a repeat must carry the same body. idempotency_key now holds the
-- SHA-256 (hex) of the owner and the key as sent; idempotency_hash the
-- SHA-256 of the request body. Keys stored before the scope (global, raw)
-- can no longer match any request, so they are cleared.

-- +goose Up
ALTER TABLE campaigns ADD COLUMN idempotency_hash TEXT NOT NULL DEFAULT '';
UPDATE campaigns SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN idempotency_hash;
