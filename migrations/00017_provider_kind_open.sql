-- Any kind name in provider_accounts.kind: which kinds exist is the
-- provider registry's to say (main.go's Registry), checked before a row is
-- written, so a new provider needs no schema change. The kind keeps a
-- shape check (lower-case letters, digits, '-', '_', 1 to 32 bytes).
--
-- SQLite cannot alter a constraint, and rebuilding this table is not safe
-- inside a migration: foreign keys are on and cannot be turned off inside
-- its transaction, so dropping the old table would cascade-delete every
-- device and report row of every account, and renaming it rewrites the
-- children's references. SQLite documents editing the stored CREATE
-- statement for exactly this change (removing or loosening a CHECK, which
-- no stored row can violate). writable_schema = RESET makes this
-- connection read the new statement again; the CREATE and DROP of a
-- scratch table bump the schema version, so every other connection does.

-- +goose Up
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
    SET sql = replace(sql, 'CHECK (kind IN (''sandbox'', ''getui'', ''mxpush'', ''wecom'', ''jpush''))',
                           'CHECK (length(kind) BETWEEN 1 AND 32 AND kind NOT GLOB ''*[^a-z0-9_-]*'')')
    WHERE type = 'table' AND name = 'provider_accounts';
PRAGMA writable_schema = RESET;
CREATE TABLE provider_kind_open_scratch (x INTEGER);
DROP TABLE provider_kind_open_scratch;

-- +goose Down
-- The loosened check accepts more kind names than before; narrowing it
-- again would refuse rows a newer version stored. Nothing to undo.
SELECT 1;
