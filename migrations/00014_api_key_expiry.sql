-- API keys may expire. A key with no expiry (NULL) lives until revoked,
-- as before. A key also stops working while the operator who created it
-- is disabled (checked when the key is used, not stored here).

-- +goose Up
ALTER TABLE api_keys ADD COLUMN expires_at DATETIME;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN expires_at;
