-- Tag membership as blocks of device ids instead of one row per
-- (tag, device) pair.
--
-- device_tags held one 2-integer row per tag a device carries: 3,000,000
-- b-tree inserts for a million devices with 3 tags, ≈3 s of the 1,000,000-
-- device import's ≈10 s (measured with and without them), for a table that
-- only has to answer "which devices carry tag X" quickly.
--
-- tag_blocks keeps, for each tag, one row per block of 1,024 consecutive
-- device ids that holds at least one member. bits lists the members'
-- offsets in the block (device id & 1023) in one of two forms, told apart
-- by length:
--   * 128 bytes: a bitmap, offset o is bit (o & 7) of byte (o >> 3);
--   * an even length below 128: up to 63 offsets as 2-byte big-endian
--     integers in ascending order (a tag with few members in the block).
-- models/tag_blocks.go reads and writes them, and always picks the list
-- for 63 members or fewer and the bitmap otherwise, so every set of
-- members has exactly one form. An import appends devices with ascending
-- ids, so a million devices with 3 tags of 60 become ≈60,000 block rows
-- (≈8 MB) written a few thousand per transaction, where they were 3M pair
-- rows (≈32 MB); a tag carried by a few scattered devices costs about what
-- its pairs did (one short row per device).
--
-- "Devices with tag X" is still one primary-key range, read in id order:
-- the audience page takes that way for a tag carried by few devices
-- (models.ListDevices), and the tag-count invariants are checked against
-- it in the tests. Like device_tags, tag_blocks has no foreign keys (the
-- store keeps it in step with devices.tag_ids in the same transaction),
-- and deleting a tag (its last device gone, or its account deleted) drops
-- its blocks through the trigger.

-- +goose Up
CREATE TABLE tag_blocks (
    tag_id INTEGER NOT NULL,
    block  INTEGER NOT NULL,
    bits   BLOB    NOT NULL,
    PRIMARY KEY (tag_id, block)
) WITHOUT ROWID;

-- Existing pairs, in two aggregate passes over device_tags: 3.1M pairs
-- over 1M devices convert in ≈8 s (a subquery per block took 3 min).
-- Blocks of up to 63 members become their list of offsets.
INSERT INTO tag_blocks (tag_id, block, bits)
SELECT tag_id, device_id >> 10, unhex(group_concat(printf('%04x', device_id & 1023), '' ORDER BY device_id))
FROM device_tags GROUP BY tag_id, device_id >> 10 HAVING count(*) <= 63;

-- The others become bitmaps: each byte that has members is the sum of
-- their bits (a pair is unique, so sum = OR), written in hex after as many
-- "00" as there are empty bytes before it, and the hex padded with zeros
-- to 128 bytes.
INSERT INTO tag_blocks (tag_id, block, bits)
WITH bytes AS (
         SELECT tag_id, device_id >> 10 AS block, (device_id & 1023) >> 3 AS j, sum(1 << (device_id & 7)) AS b, count(*) AS n
         FROM device_tags GROUP BY tag_id, device_id >> 10, (device_id & 1023) >> 3),
     gaps AS (
         SELECT tag_id, block, j, b, n, j - coalesce(lag(j) OVER (PARTITION BY tag_id, block ORDER BY j), -1) - 1 AS gap
         FROM bytes),
     hexed AS (
         SELECT tag_id, block, sum(n) AS n, group_concat(substr(printf('%0256d', 0), 1, 2 * gap) || printf('%02x', b), '' ORDER BY j) AS h
         FROM gaps GROUP BY tag_id, block)
SELECT tag_id, block, unhex(h || substr(printf('%0256d', 0), 1, 256 - length(h)))
FROM hexed WHERE n > 63;

DROP TRIGGER tags_delete_pairs;
DROP TABLE device_tags;

-- Deleting an account cascades to its tags; this removes their blocks too
-- (a tag's blocks are one primary-key range), so no block outlives its tag.
-- +goose StatementBegin
CREATE TRIGGER tags_delete_blocks AFTER DELETE ON tags BEGIN
    DELETE FROM tag_blocks WHERE tag_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose Down
CREATE TABLE device_tags (
    tag_id    INTEGER NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (tag_id, device_id)
) WITHOUT ROWID;
-- The pairs come back from devices.tag_ids ("|3|17|"), which holds the same
-- membership.
INSERT INTO device_tags (tag_id, device_id)
SELECT CAST(t.value AS INTEGER), d.id FROM devices d, json_each('[' || replace(trim(d.tag_ids, '|'), '|', ',') || ']') t
WHERE d.tag_ids <> '';
DROP TRIGGER tags_delete_blocks;
DROP TABLE tag_blocks;
-- +goose StatementBegin
CREATE TRIGGER tags_delete_pairs AFTER DELETE ON tags BEGIN
    DELETE FROM device_tags WHERE tag_id = OLD.id;
END;
-- +goose StatementEnd
