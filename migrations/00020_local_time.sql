-- Local-time delivery. A device may carry its IANA time zone, so a
-- campaign can reach each recipient at a local hour; an account may set
-- quiet hours (local to each recipient) inside which marketing campaigns
-- wait. Empty means unset: the campaign's own zone, no quiet hours.

-- +goose Up
ALTER TABLE devices ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE provider_accounts ADD COLUMN quiet_start TEXT NOT NULL DEFAULT '';
ALTER TABLE provider_accounts ADD COLUMN quiet_end TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE provider_accounts DROP COLUMN quiet_end;
ALTER TABLE provider_accounts DROP COLUMN quiet_start;
ALTER TABLE devices DROP COLUMN timezone;
