-- Personalized batches: every provider task, and the parts answered.
--
-- A personalized batch goes out as several requests ("parts": one per
-- rendered text shared by several recipients, or one per recipient), each
-- with its own provider task id. batch_tasks keeps every one of them, so a
-- campaign's report sums all its tasks (batches.task_id keeps one per
-- batch). Written in the transaction that records the batch's outcome. Its
-- key leads with the campaign and the task id: the poller pages a
-- campaign's tasks in task-id order. batch_id has no foreign key: rows go
-- with their campaign, and a key on it would make every batch deleted
-- look up this table by an unindexed column.
--
-- batch_parts is the journal of the parts of a personalized batch on a
-- provider that cannot recognise a repeated request by its id: a row is
-- written before a part's request goes out (answer NULL: in flight), and
-- its answer when it comes. After a crash the batch's next attempt sends
-- only the parts without a row, keeps the answers recorded, and ends the
-- parts left in flight the way an unanswered batch ends on that provider.
-- provider_key is the de-duplication key the provider issued for the part (''
-- when it issues none), reused when the part is sent again. The rows of a
-- batch are deleted when its outcome is recorded.

-- +goose Up
CREATE TABLE batch_tasks (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    task_id     TEXT    NOT NULL,
    batch_id    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, task_id, batch_id)
) WITHOUT ROWID;

CREATE TABLE batch_parts (
    batch_id INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    part_id  TEXT    NOT NULL,
    provider_key TEXT NOT NULL DEFAULT '',
    answer   TEXT,
    PRIMARY KEY (batch_id, part_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE batch_parts;
DROP TABLE batch_tasks;
