-- The device registry (the audience campaigns target) and saved segments.
--
-- devices: one row per (provider account, cid). The integer rowid keeps the
-- tag join rows small; (provider_id, cid) is the natural key, the keyset
-- order of every listing and of audience streaming (the engine freezes
-- audiences in cid order and resumes from the last cid it froze). Imports
-- upsert rows in the order they arrive, and FACTS.md measured inserts in
-- random key order 19× slower than in key order, so the importer sorts each
-- chunk by cid before writing it.
--
-- Tags live in their own tables rather than only in a text column of
-- devices: FACTS.md measured COUNT by one tag through an index at 10 ms for
-- 500k matches, while a tag kept in a text column and matched with LIKE is a
-- full scan at ≈160 ms every time. tags holds each account's tag names once,
-- with a device count kept in the same transaction as every change, so the
-- tag list with counts is a small lookup rather than a GROUP BY over
-- millions of rows. device_tags is a pair of integers keyed (tag_id,
-- device_id): "devices with tag X" is one index range, and counting it never
-- touches devices.
--
-- devices.tag_ids repeats a device's tag ids ("|3|17|42|") in its own row.
-- It answers "the tags of this device" (detail, re-import comparison,
-- delete) without a second index on device_tags, which would cost one more
-- b-tree insert per tag on every import (3M for a million devices with 3
-- tags), and lets a segment test tag conditions in the row it is already
-- reading while it scans devices in cid order, instead of probing an index
-- per device. The store writes both in the same transaction; device_tags
-- carries no foreign keys for the same reason (two parent lookups per pair),
-- and the store deletes a device's pairs itself.
--
-- Segment counts scan devices_scan, a narrow copy of the columns conditions
-- test, instead of the wide table rows (≈170 ms instead of ≈330 ms for a
-- 3-condition count over 1M devices). It leads with (provider_id, id) so an
-- import appends to it in rowid order: an index led by platform, vendor and
-- region instead took inserts in the middle of the tree and made imports
-- about 3× slower.

-- +goose Up
CREATE TABLE devices (
    id           INTEGER PRIMARY KEY,
    provider_id  INTEGER NOT NULL REFERENCES provider_accounts (id) ON DELETE CASCADE,
    cid          TEXT    NOT NULL,
    alias        TEXT    NOT NULL DEFAULT '',
    user_id      TEXT    NOT NULL DEFAULT '',
    platform     TEXT    NOT NULL DEFAULT 'other' CHECK (platform IN ('ios', 'android', 'other')),
    vendor       TEXT    NOT NULL DEFAULT '',
    region       TEXT    NOT NULL DEFAULT '',
    -- An opted-out device stays registered but is never part of an audience.
    opted_out    INTEGER NOT NULL DEFAULT 0,
    tag_ids      TEXT    NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    last_seen_at DATETIME
);
CREATE UNIQUE INDEX devices_cid ON devices (provider_id, cid);
-- alias → cid resolution and prefix search; most devices have none.
CREATE INDEX devices_alias ON devices (provider_id, alias) WHERE alias <> '';
CREATE INDEX devices_user ON devices (provider_id, user_id) WHERE user_id <> '';
-- Covering index for segment counts (see above).
CREATE INDEX devices_scan ON devices (provider_id, id, opted_out, platform, vendor, region, user_id, tag_ids);

-- Each account's number of devices, moved in the same transaction as every
-- insert and delete, so the audience page shows it without counting a
-- million index entries (≈80 ms) on every view.
CREATE TABLE device_counts (
    provider_id INTEGER PRIMARY KEY REFERENCES provider_accounts (id) ON DELETE CASCADE,
    devices     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES provider_accounts (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    devices     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (provider_id, name)
);

CREATE TABLE device_tags (
    tag_id    INTEGER NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (tag_id, device_id)
) WITHOUT ROWID;
-- Deleting an account cascades to its devices and tags; this removes their
-- pairs too (a tag's pairs are one PK range), so no pair outlives its tag.
-- +goose StatementBegin
CREATE TRIGGER tags_delete_pairs AFTER DELETE ON tags BEGIN
    DELETE FROM device_tags WHERE tag_id = OLD.id;
END;
-- +goose StatementEnd

-- A segment is a named condition tree (JSON, validated by models before it
-- is stored). It is not tied to one account: the same definition can be
-- counted and sent on any account's devices.
CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    tree        TEXT    NOT NULL,
    created_by  TEXT    NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);

-- +goose Down
DROP TABLE segments;
DROP TRIGGER tags_delete_pairs;
DROP TABLE device_tags;
DROP TABLE tags;
DROP TABLE device_counts;
DROP TABLE devices;
