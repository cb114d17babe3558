-- Several pushdeck processes may share one database. Each running engine
-- registers itself in instances and renews its row (a heartbeat) well
-- inside expires_at; a row past expires_at is a dead instance, whose batch
-- and webhook leases the others release at once instead of waiting for
-- each lease to run out. The live rows are also how many instances share
-- an account's request rate.
--
-- leases holds named leader leases: the loops that must run on exactly one
-- instance (planner, scheduler, report poller, retention) run only on the
-- owner of the 'leader' row, which it renews well inside expires_at; when
-- it dies another instance takes the row once expires_at has passed.
--
-- setup_token holds the first-run setup token while no operator exists:
-- the first instance to start stores its token and every instance prints
-- and accepts that one, so /setup works whichever instance a load
-- balancer picks. One row at most (id = 1).

-- +goose Up
CREATE TABLE instances (
    id           TEXT     PRIMARY KEY,
    host         TEXT     NOT NULL DEFAULT '',
    pid          INTEGER  NOT NULL DEFAULT 0,
    started_at   DATETIME NOT NULL,
    heartbeat_at DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL
);

CREATE TABLE leases (
    name       TEXT     PRIMARY KEY,
    owner      TEXT     NOT NULL,
    expires_at DATETIME NOT NULL
);

CREATE TABLE setup_token (
    id         INTEGER  PRIMARY KEY CHECK (id = 1),
    token      TEXT     NOT NULL,
    created_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE setup_token;
DROP TABLE leases;
DROP TABLE instances;
