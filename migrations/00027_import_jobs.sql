-- CSV imports started in the console, tracked in the database so that any
-- instance behind a load balancer answers the page that polls one, and a
-- restart does not forget it.
--
-- The instance that received the upload runs the import (the file is on
-- its disk) and writes the row: progress at most every half second and at
-- least every few seconds while it runs (updated_at), then the outcome. A
-- row still 'running' whose instance's heartbeat expired, or whose
-- updated_at stopped moving, is an import that died with its instance: the
-- page shows it as interrupted, and instances mark it so when they start.
--
-- Counters are models.ImportProgress's: bytes and rows read, the upsert
-- counts and the rejected total. result is JSON holding the first rejected
-- rows and a file-level problem, as catalog ids with their data, so the
-- page shows them in the reader's language. error is a failure's text,
-- bounded. Finished rows are pruned per account (the newest 100, none
-- older than 30 days) when a new import starts.
--
-- `pushdeck migrate` copies the table like every other (the history of
-- imports is the operator's): a row still running in the SQLite file
-- belongs to an instance that has stopped, since the copier refuses a
-- source an instance still heartbeats in, so it reads as interrupted.

-- +goose Up
CREATE TABLE import_jobs (
    id           INTEGER  PRIMARY KEY,
    provider_id  INTEGER  NOT NULL REFERENCES provider_accounts (id) ON DELETE CASCADE,
    file_name    TEXT     NOT NULL,
    size         INTEGER  NOT NULL DEFAULT 0,
    started_by   TEXT     NOT NULL DEFAULT '',
    instance_id  TEXT     NOT NULL,
    status       TEXT     NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
    started_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    finished_at  DATETIME,
    bytes_read   INTEGER  NOT NULL DEFAULT 0,
    rows_read    INTEGER  NOT NULL DEFAULT 0,
    imported     INTEGER  NOT NULL DEFAULT 0,
    updated      INTEGER  NOT NULL DEFAULT 0,
    unchanged    INTEGER  NOT NULL DEFAULT 0,
    rejected     INTEGER  NOT NULL DEFAULT 0,
    error        TEXT     NOT NULL DEFAULT '' CHECK (length(error) <= 1000),
    result       TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX import_jobs_account ON import_jobs (provider_id, id);
CREATE INDEX import_jobs_running ON import_jobs (instance_id) WHERE status = 'running';

-- +goose Down
DROP TABLE import_jobs;
