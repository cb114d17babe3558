-- Provider statistics that belong to no single campaign.
--
-- group_snapshots: polls of a provider's task-group report (GeTui
-- GET /report/push/task_group/{group_name}) per account and group, since a
-- group name may be used on several accounts. channels is the report's
-- JSON lines (provider channel figures, with the provider's own "total"
-- line when it sends one).
--
-- account_stats: polls of a provider's per-app daily figure (WeCom
-- message/get_statistics: successful person-times of the app for today or
-- yesterday, all messages together). day is what was asked (0 today,
-- 1 yesterday) and stat_date the calendar day it meant in the provider's
-- time zone, so an old "today" row is never read as today.
--
-- Like report_snapshots, a failed poll is a row with error set and no
-- figures: readers take the newest row without error as the figures and
-- mark them stale when a newer row failed. The poller also reads the newest
-- taken_at to poll each account/group at most once per interval, across
-- restarts.

-- +goose Up
CREATE TABLE group_snapshots (
    id          INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES provider_accounts (id) ON DELETE CASCADE,
    group_name  TEXT     NOT NULL,
    taken_at    DATETIME NOT NULL,
    channels    TEXT     NOT NULL,
    error       TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX group_snapshots_group ON group_snapshots (group_name, provider_id, id);

CREATE TABLE account_stats (
    id          INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES provider_accounts (id) ON DELETE CASCADE,
    day         INTEGER  NOT NULL CHECK (day IN (0, 1)),
    stat_date   TEXT     NOT NULL,
    taken_at    DATETIME NOT NULL,
    agent_id    INTEGER  NOT NULL DEFAULT 0,
    app_name    TEXT     NOT NULL DEFAULT '',
    count       INTEGER  NOT NULL DEFAULT 0,
    error       TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX account_stats_provider ON account_stats (provider_id, day, id);

-- +goose Down
DROP TABLE account_stats;
DROP TABLE group_snapshots;
