-- A device whose token a provider answered invalid (unregistered,
-- uninstalled, wrong app) is remembered: invalid_at (whole Unix seconds,
-- like the other device times) and the provider's code and message. The
-- audiences the registry resolves (all, tag, segment, conditions) leave
-- such devices out unless the campaign includes them, so a dead token is
-- not paid for again in every campaign.
--
-- devices_scan is the covering index segment counts read; it gains
-- invalid_at so the count's new "invalid_at IS NULL" is still answered
-- from the index alone.

-- +goose Up
ALTER TABLE devices ADD COLUMN invalid_at DATETIME;
ALTER TABLE devices ADD COLUMN invalid_reason TEXT NOT NULL DEFAULT '';
DROP INDEX devices_scan;
CREATE INDEX devices_scan ON devices (provider_id, id, opted_out, platform, vendor, region, user_id, tag_ids, invalid_at);
-- The audience page's "invalid only" filter; few devices carry a mark.
CREATE INDEX devices_invalid ON devices (provider_id, cid) WHERE invalid_at IS NOT NULL;

-- +goose Down
DROP INDEX devices_invalid;
DROP INDEX devices_scan;
CREATE INDEX devices_scan ON devices (provider_id, id, opted_out, platform, vendor, region, user_id, tag_ids);
ALTER TABLE devices DROP COLUMN invalid_reason;
ALTER TABLE devices DROP COLUMN invalid_at;
